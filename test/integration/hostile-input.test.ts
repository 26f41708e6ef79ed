import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticItem } from '../../src/demo/synthetic-items.js';
import { loadCollection, smallCollection } from '../support/fixtures.js';
import { startGateway, type BackendKind, type Gateway } from '../support/gateway-harness.js';
import {
  ALLOWED_CODES,
  answerCodes,
  buildHostileCorpus,
  judgeAnswer,
  type HostileRequest,
} from '../support/hostile-corpus.js';
import { MODELS } from '../support/operations.js';
import { sendRaw } from '../support/raw-http.js';

const items = smallCollection().slice(0, 120);

/** The word of the first item's title that most other items also hold. */
function sharedTitleWord(all: readonly SyntheticItem[]): string {
  const words = all[0]!.title.split(/\s+/).filter((w) => /^[a-z]{3,}$/.test(w));
  const count = (w: string) =>
    all.filter((item) => `${item.title} ${item.text}`.split(/\s+/).includes(w)).length;
  return words.sort((a, b) => count(b) - count(a))[0]!;
}

/** Everything a request could change: every item (ids, text, tokens, vectors) and the models. */
async function snapshot(gateway: Gateway): Promise<string> {
  await gateway.backend.refresh();
  const stored = await gateway.backend.getItems(
    items.map((i) => i.id),
    { withVectors: true },
  );
  const models = await gateway.gql(MODELS, {});
  return JSON.stringify({
    count: await gateway.backend.countItems(),
    items: stored,
    models: models.data,
  });
}

describe.each<BackendKind>(['elasticsearch', 'embedded'])(
  'hostile input on the %s backend',
  (kind) => {
    let gateway: Gateway;
    let corpus: HostileRequest[];
    let before: string;

    beforeAll(async () => {
      gateway = await startGateway({ backend: kind });
      await loadCollection(gateway, items);
      before = await snapshot(gateway);
      corpus = buildHostileCorpus({
        knownIds: items.slice(0, 10).map((i) => i.id),
        titleWord: sharedTitleWord(items),
        imageVector: items[1]!.imageVector,
        textVector: items[1]!.textVector,
        maxBatch: gateway.config.LSHQL_MAX_BATCH,
        maxFirst: gateway.config.LSHQL_MAX_FIRST,
        bodyLimit: 8 * 1024 * 1024,
      });
    });
    afterAll(async () => {
      await gateway?.close();
    });

    it('has at least 200 requests over every category, reads and rejected mutations only', () => {
      expect(corpus.length).toBeGreaterThanOrEqual(200);
      expect(new Set(corpus.map((r) => r.name)).size).toBe(corpus.length);
      expect(new Set(corpus.map((r) => r.category)).size).toBeGreaterThanOrEqual(20);
      // A mutation may only be expected to be refused, to store nothing (an ingest whose every
      // item fails, checked by its expectation), or to be a no-op (deleting ids no item has).
      const mutations = corpus.filter((r) => r.mutation);
      expect(mutations.length).toBeGreaterThan(40);
      const mayChange = mutations.filter(
        (r) =>
          r.expect.kind === 'either' ||
          (r.expect.kind === 'data' && !/\(no-op\)$|^ingest, /.test(r.name)),
      );
      expect(mayChange.map((r) => r.name)).toEqual([]);
    });

    it(
      'answers every request without a 5xx, with allowed codes and no internals',
      { timeout: 120_000 },
      async () => {
        const problems: string[] = [];
        const observed = new Map<string, number>();
        const statuses = new Map<number, number>();
        for (const request of corpus) {
          const answer = await sendRaw(gateway.url, request).catch((error: unknown) => ({
            status: 0,
            contentType: '',
            text: `request failed: ${String(error)}`,
          }));
          if (answer.status === 0) problems.push(`${request.name}: ${answer.text}`);
          else problems.push(...judgeAnswer(request, answer));
          for (const code of answerCodes(answer)) observed.set(code, (observed.get(code) ?? 0) + 1);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
        console.log(
          `[${kind}] ${corpus.length} hostile requests; HTTP statuses ${JSON.stringify(Object.fromEntries(statuses))}; codes ${JSON.stringify(Object.fromEntries(observed))}`,
        );
        expect(problems).toEqual([]);
        expect([...observed.keys()].every((code) => ALLOWED_CODES.has(code))).toBe(true);
      },
    );

    it('is still alive afterwards', async () => {
      const response = await gateway.gql<{ __typename: string }>('{ __typename }');
      expect(response.data).toEqual({ __typename: 'Query' });
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    });

    it('left the stored items and models unchanged', async () => {
      expect(await snapshot(gateway)).toBe(before);
    });
  },
);
