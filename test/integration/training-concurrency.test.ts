import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticItems, toItemInput } from '../../src/demo/synthetic-items.js';
import type { TrainingProgress } from '../../src/models/training-service.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';
import { INGEST, SIMILAR, type IngestData } from '../support/operations.js';

type Moment = 'k-means' | 'rehashing' | 'other';

// k-means and re-hashing run on the worker pool: while a model trains, the gateway's event loop
// keeps answering queries and ingests. Every answer records what the training was doing when the
// answer arrived; answers must arrive during k-means and during re-hashing, before training ends.
describe('queries and ingests while a model trains (Elasticsearch)', () => {
  let gateway: Gateway;
  const items = generateSyntheticItems({
    count: 6000,
    seed: 5,
    imageDim: 128,
    textDim: 16,
    topics: 8,
    subtopics: 6,
    noise: 0.6,
  });

  beforeAll(async () => {
    gateway = await startGateway({
      backend: 'elasticsearch',
      env: { LSHQL_WORKERS: '2', LSHQL_INGEST_REFRESH: 'false' },
    });
    for (let i = 0; i < items.length; i += 500) {
      const outcome = await gateway.services.ingest.ingest(
        items.slice(i, i + 500).map(toItemInput),
      );
      expect(outcome.failed).toEqual([]);
    }
    await gateway.backend.refresh();
    // A first, small model so that `similar` has something to answer with.
    await gateway.services.training.train({ modality: 'IMAGE', subspaces: 4, clusters: 16 });
  }, 300_000);
  afterAll(async () => {
    await gateway?.close();
  });

  it('answers similar and ingestItems during k-means and during re-hashing', async () => {
    const compute = gateway.services.compute;
    let inKmeans = false;
    const train = compute.train.bind(compute);
    compute.train = async (...args) => {
      inKmeans = true;
      try {
        return await train(...args);
      } finally {
        inKmeans = false;
      }
    };
    let phase: TrainingProgress['phase'] | null = null;
    let finished = false;
    const moment = (): Moment =>
      inKmeans ? 'k-means' : phase === 'rehashing' && !finished ? 'rehashing' : 'other';

    const failures: unknown[] = [];
    const similarAnswers: Moment[] = [];
    const ingestAnswers: Moment[] = [];
    const queryLoop = async () => {
      for (let n = 0; !finished; n++) {
        const item = items[(n * 97) % items.length]!;
        const response = await gateway.gql(SIMILAR, { id: item.id, modalities: ['IMAGE'] });
        if (response.errors || response.status !== 200) failures.push(response.errors);
        else similarAnswers.push(moment());
      }
    };
    const fresh = generateSyntheticItems({
      count: 4000,
      seed: 77,
      imageDim: 128,
      textDim: 16,
      topics: 8,
      subtopics: 6,
      noise: 0.6,
    });
    const ingestLoop = async () => {
      for (let i = 0; !finished && i < fresh.length; i += 20) {
        const batch = fresh.slice(i, i + 20).map((item) => ({
          ...toItemInput(item),
          id: `fresh-${item.id}`,
        }));
        const response = await gateway.gql<IngestData>(INGEST, { items: batch });
        if (response.errors || response.data!.ingestItems.failed.length > 0) {
          failures.push(response.errors ?? response.data!.ingestItems.failed);
        } else {
          ingestAnswers.push(moment());
        }
      }
    };

    const training = gateway.services.training
      .train({ modality: 'IMAGE', subspaces: 16, clusters: 64 }, (progress) => {
        phase = progress.phase;
      })
      .finally(() => {
        finished = true;
      });
    await Promise.all([queryLoop(), ingestLoop(), training]);

    const record = await training;
    expect(record).toMatchObject({ version: 2, active: true, subspaces: 16, clusters: 64 });
    expect(failures).toEqual([]);
    expect(similarAnswers).toContain('k-means');
    expect(similarAnswers).toContain('rehashing');
    expect(ingestAnswers).toContain('k-means');
    expect(ingestAnswers).toContain('rehashing');
  }, 300_000);
});
