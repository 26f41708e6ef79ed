import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticItems, toItemInput } from '../../src/demo/synthetic-items.js';
import type { Candidate } from '../../src/search/backend.js';
import type { SimilarPlan } from '../../src/search/query-plan.js';
import { startGateway, type BackendKind, type Gateway } from '../support/gateway-harness.js';
import { loadCollection } from '../support/fixtures.js';
import {
  INGEST,
  SIMILAR,
  SIMILAR_TO_VECTOR,
  TRAIN,
  type IngestData,
  type SimilarData,
  type TrainData,
} from '../support/operations.js';

const BY_VECTOR = `query ByVector($vector: [Float!]!) {
  similarToVector(modality: IMAGE, vector: $vector, first: 10) {
    hits { score item { id title text tags } }
    modelVersions { modality version }
  }
}`;

// Retraining while the gateway serves: queries keep working and never mix model versions, and
// items ingested during the switch all land in the new generation.
describe.each<BackendKind>(['elasticsearch', 'embedded'])(
  'retraining under load on the %s backend',
  (kind) => {
    let gateway: Gateway;
    const items = generateSyntheticItems({
      count: 3000,
      imageDim: 32,
      textDim: 24,
      topics: 6,
      subtopics: 4,
    });
    const answers: Candidate[][] = [];
    const plans: SimilarPlan[] = [];

    beforeAll(async () => {
      gateway = await startGateway({ backend: kind, env: { LSHQL_MODEL_REFRESH_MS: '0' } });
      await loadCollection(gateway, items);
      // Watch every candidate list the backend returns (the real backend answers it).
      const execute = gateway.backend.executeSimilar.bind(gateway.backend);
      gateway.backend.executeSimilar = async (plan) => {
        plans.push(structuredClone(plan));
        const candidates = await execute(plan);
        answers.push(candidates);
        return candidates;
      };
    }, 180_000);
    afterAll(async () => {
      await gateway?.close();
    });

    it('answers every query during the switch, each from one model version', async () => {
      let training = true;
      const failures: unknown[] = [];
      const queryLoop = async (n: number) => {
        let count = 0;
        while (training) {
          const item = items[(n * 97 + count * 13) % items.length]!;
          const response =
            count % 2 === 0
              ? await gateway.gql(SIMILAR, { id: item.id, modalities: ['IMAGE'], first: 10 })
              : await gateway.gql(SIMILAR_TO_VECTOR, {
                  modality: 'IMAGE',
                  vector: item.imageVector,
                  first: 10,
                });
          if (response.errors || response.status !== 200)
            failures.push(response.errors ?? response.status);
          count++;
        }
        return count;
      };
      const fresh = generateSyntheticItems({
        count: 400,
        seed: 99,
        imageDim: 32,
        textDim: 24,
        topics: 6,
        subtopics: 4,
      }).map((item) => ({ ...toItemInput(item), id: `fresh-${item.id}` }));
      const indexed: string[] = [];
      const ingestLoop = async () => {
        for (let i = 0; i < fresh.length && training; i += 25) {
          const batch = fresh.slice(i, i + 25);
          const response = await gateway.gql<IngestData>(INGEST, { items: batch });
          if (response.errors) failures.push(response.errors);
          const failed = new Set(response.data?.ingestItems.failed.map((f) => f.id) ?? []);
          for (const f of response.data?.ingestItems.failed ?? []) failures.push(f);
          indexed.push(...batch.filter((item) => !failed.has(item.id)).map((item) => item.id));
        }
      };

      answers.length = 0;
      const loops = Promise.all([queryLoop(1), queryLoop(2), ingestLoop()]);
      const trained = await gateway.gql<TrainData>(TRAIN, {
        modality: 'IMAGE',
        subspaces: 8,
        clusters: 24,
      });
      training = false;
      const [queriesA, queriesB] = await loops;

      expect(trained.errors).toBeUndefined();
      expect(trained.data!.trainModel.version).toBe(2);
      expect(failures).toEqual([]);
      expect(queriesA! + queriesB!).toBeGreaterThan(10);
      // No answer mixes versions: all candidates of one query come from one model.
      for (const candidates of answers) {
        expect(new Set(candidates.map((c) => c.modelVersions.IMAGE)).size).toBeLessThanOrEqual(1);
      }
      expect(new Set(answers.flatMap((c) => c.map((x) => x.modelVersions.IMAGE)))).toContain(1);

      // Everything ingested meanwhile is stored and hashed with the new model.
      expect(indexed.length).toBeGreaterThan(0);
      const stored = await gateway.backend.getItems(indexed);
      expect(stored.filter((s) => s === null)).toEqual([]);
      expect(stored.filter((s) => s?.modelVersions.IMAGE !== 2).map((s) => s?.id)).toEqual([]);
      // And so is every item stored before.
      const before = await gateway.backend.getItems(items.slice(0, 500).map((i) => i.id));
      expect(
        before.every((s) => s?.modelVersions.IMAGE === 2 && s.tokens.IMAGE?.length === 8),
      ).toBe(true);

      // After the switch, answers come from version 2: the result says so, the query tokens are
      // version 2's, and every candidate was hashed with it.
      const v2 = await gateway.services.registry.load('IMAGE', 2);
      const v1 = await gateway.services.registry.load('IMAGE', 1);
      let differentTokens = 0;
      for (const item of items.slice(0, 20)) {
        plans.length = 0;
        answers.length = 0;
        const byId = await gateway.gql<SimilarData>(SIMILAR, {
          id: item.id,
          modalities: ['IMAGE'],
          first: 10,
        });
        expect(byId.errors).toBeUndefined();
        expect(byId.data!.similar.modelVersions).toEqual([{ modality: 'IMAGE', version: 2 }]);
        expect(byId.data!.similar.hits).toHaveLength(10);
        const [stored] = await gateway.backend.getItems([item.id]);
        expect(plans[0]!.clauses[0]!.tokens).toEqual(stored!.tokens.IMAGE);
        expect(plans[0]!.clauses[0]!.tokens).toEqual(v2.hasher.hashOne(item.imageVector));

        const byVector = await gateway.gql<{ similarToVector: SimilarData['similar'] }>(BY_VECTOR, {
          vector: item.imageVector,
        });
        expect(byVector.errors).toBeUndefined();
        expect(byVector.data!.similarToVector.modelVersions).toEqual([
          { modality: 'IMAGE', version: 2 },
        ]);
        expect(byVector.data!.similarToVector.hits[0]!.item.id).toBe(item.id);
        expect(plans[1]!.clauses[0]!.tokens).toEqual(v2.hasher.hashOne(item.imageVector));
        if (
          JSON.stringify(v1.hasher.hashOne(item.imageVector)) !==
          JSON.stringify(v2.hasher.hashOne(item.imageVector))
        ) {
          differentTokens++;
        }
        for (const candidates of answers) {
          expect(candidates.length).toBeGreaterThan(0);
          expect(candidates.every((c) => c.modelVersions.IMAGE === 2)).toBe(true);
        }
      }
      // The versions hash differently, so the token checks above tell them apart.
      expect(differentTokens).toBeGreaterThan(10);
    }, 180_000);
  },
);
