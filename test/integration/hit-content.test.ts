import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticItem } from '../../src/demo/synthetic-items.js';
import { ElasticsearchBackend } from '../../src/search/elasticsearch/elasticsearch-backend.js';
import { startGateway, type BackendKind, type Gateway } from '../support/gateway-harness.js';
import { loadCollection, smallCollection } from '../support/fixtures.js';

interface Hit {
  score: number;
  item: { id: string; title?: string | null; tags?: string[]; modalities?: string[] };
}
interface Page {
  hits: Hit[];
  nextCursor: string | null;
}

/*
 * A query whose hits select only their items' keys (id, modalities) is answered from doc values
 * on Elasticsearch, without loading the stored documents: it must give the same hits, scores and
 * modalities as one selecting everything, and share its cursors.
 */
describe.each<BackendKind>(['elasticsearch', 'embedded'])(
  'hit content on the %s backend',
  (kind) => {
    let gateway: Gateway;
    let items: SyntheticItem[];

    beforeAll(async () => {
      gateway = await startGateway({ backend: kind });
      items = smallCollection();
      await loadCollection(gateway, items);
    });
    afterAll(async () => {
      await gateway?.close();
    });

    // GraphQL refuses unused variables and fragments: each is declared only when used.
    const page = async (selection: string, variables: Record<string, unknown>) => {
      const skip = selection.includes('$skip') ? ', $skip: Boolean!' : '';
      const fragment = selection.includes('...Titled')
        ? 'fragment Titled on Item { title tags }'
        : '';
      const response = await gateway.gql<{ similar: Page }>(
        `query($id: ID!, $after: String${skip}) {
        similar(id: $id, first: 5, after: $after) { nextCursor ${selection} }
      }
      ${fragment}`,
        { ...(skip ? { skip: true } : {}), ...variables },
      );
      expect(response.errors).toBeUndefined();
      return response.data!.similar;
    };

    it('gives the same hits, scores and modalities whether the hits select keys or everything', async () => {
      for (const item of items.slice(0, 10)) {
        const keys = await page('hits { score item { id modalities } }', { id: item.id });
        const full = await page('hits { score item { id modalities title tags } }', {
          id: item.id,
        });
        expect(keys.hits).toHaveLength(5);
        expect(keys.hits.map((h) => [h.item.id, h.item.modalities])).toEqual(
          full.hits.map((h) => [h.item.id, h.item.modalities]),
        );
        expect(keys.hits.map((h) => h.score)).toEqual(full.hits.map((h) => h.score));
        for (const hit of full.hits) {
          const stored = items.find((i) => i.id === hit.item.id)!;
          expect(hit.item.title).toBe(stored.title);
        }
      }
    });

    it('loads titles asked for through an alias, a fragment or an included field', async () => {
      const item = items[3]!;
      const forms = [
        'hits { item { id name: title tags } }',
        'hits { item { id ...Titled } }',
        'hits { item { id ... on Item { title tags } } }',
        'hits { item { id title @skip(if: false) tags } }',
      ];
      for (const form of forms) {
        const hits = (await page(form, { id: item.id })).hits as unknown as {
          item: Record<string, unknown>;
        }[];
        const first = hits[0]!.item;
        const stored = items.find((i) => i.id === first.id)!;
        expect(first.title ?? first.name).toBe(stored.title);
        expect(first.tags).toEqual(stored.tags);
      }
      // A skipped title is not asked for, and not returned.
      const skipped = await page('hits { item { id title @skip(if: $skip) } }', { id: item.id });
      expect(skipped.hits[0]!.item).toEqual({ id: skipped.hits[0]!.item.id });
    });

    it('continues a page of full hits with a page of keys (one ranking, one cursor)', async () => {
      const item = items[7]!;
      const first = await page('hits { item { id title } }', { id: item.id });
      const second = await page('hits { item { id } }', { id: item.id, after: first.nextCursor });
      const both = await gateway.gql<{ similar: Page }>(
        `query($id: ID!) { similar(id: $id, first: 10) { hits { item { id } } } }`,
        { id: item.id },
      );
      expect([...first.hits, ...second.hits].map((h) => h.item.id)).toEqual(
        both.data!.similar.hits.map((h) => h.item.id),
      );
    });

    // What reaches Elasticsearch: only that backend has a request body to look at.
    if (kind === 'elasticsearch') {
      it('asks Elasticsearch for doc values only when the hits need only their keys', async () => {
        const backend = gateway.backend as ElasticsearchBackend;
        const bodies: unknown[] = [];
        type Event = { meta: { request: { params: { path: string; body?: unknown } } } } | null;
        const listener = (_error: unknown, event: Event) => {
          const params = event?.meta.request.params;
          if (params?.path.endsWith('/_search')) bodies.push(params.body);
        };
        backend.client.diagnostic.on('request', listener);
        try {
          const item = items[5]!;
          await page('hits { item { id modalities } }', { id: item.id });
          await page('hits { item { id title } }', { id: item.id });
        } finally {
          backend.client.diagnostic.off('request', listener);
        }
        const parsed = bodies.map(
          (b) => (typeof b === 'string' ? JSON.parse(b) : b) as Record<string, unknown>,
        );
        expect(parsed).toHaveLength(2);
        expect(parsed[0]).toMatchObject({ _source: false, stored_fields: ['_none_'] });
        expect(parsed[0]!.docvalue_fields).toEqual(expect.arrayContaining(['id', 'modalities']));
        expect(parsed[1]!._source).toMatchObject({ includes: expect.arrayContaining(['title']) });
        expect(parsed[1]!.docvalue_fields).toBeUndefined();
      });
    }
  },
);
