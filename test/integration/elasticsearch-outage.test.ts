import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticItems, toItemInput } from '../../src/demo/synthetic-items.js';
import {
  elasticsearchUrl,
  errorCode,
  startGateway,
  type Gateway,
} from '../support/gateway-harness.js';
import { INGEST, TRAIN, type IngestData, type TrainData } from '../support/operations.js';

const run = promisify(execFile);

/** Stops or (re)starts the test cluster with the project's script, keeping its data. */
async function elasticsearch(command: 'start' | 'stop'): Promise<void> {
  const port = new URL(elasticsearchUrl()).port;
  await run('bash', ['scripts/elasticsearch.sh', command], {
    env: { ...process.env, ES_PORT: port, ES_KEEP_DATA: '1' },
    timeout: 180_000,
  });
}

const BY_VECTOR = `query ByVector($vector: [Float!]!) {
  similarToVector(modality: IMAGE, vector: $vector, first: 5) {
    hits { score item { id } }
    modelVersions { modality version }
  }
}`;

interface ByVectorData {
  similarToVector: {
    hits: { score: number; item: { id: string } }[];
    modelVersions: { modality: string; version: number }[];
  };
}

// Elasticsearch stops in the middle of an ingest and comes back: nothing may be lost silently,
// nothing reported twice, and the gateway must recover by itself. A model is trained first, so
// that a query gets as far as the search (not MODEL_NOT_TRAINED) and must meet the outage.
describe('Elasticsearch going down during an ingest', () => {
  let gateway: Gateway;
  const items = generateSyntheticItems({
    count: 3000,
    imageDim: 16,
    textDim: 12,
    topics: 5,
    subtopics: 3,
  }).map(toItemInput);

  const seed = generateSyntheticItems({
    count: 300,
    seed: 3,
    imageDim: 16,
    textDim: 12,
    topics: 5,
    subtopics: 3,
  }).map((item) => ({ ...toItemInput(item), id: `seed-${item.id}` }));

  beforeAll(async () => {
    gateway = await startGateway({
      backend: 'elasticsearch',
      env: {
        LSHQL_ES_TIMEOUT_MS: '3000',
        LSHQL_ES_MAX_RETRIES: '1',
        LSHQL_INGEST_REFRESH: 'false',
      },
    });
    const ingested = await gateway.gql<IngestData>(INGEST, { items: seed });
    expect(ingested.data?.ingestItems.failed).toEqual([]);
    await gateway.backend.refresh();
    const trained = await gateway.gql<TrainData>(TRAIN, {
      modality: 'IMAGE',
      subspaces: 4,
      clusters: 8,
    });
    expect(trained.errors).toBeUndefined();
    expect(trained.data?.trainModel.active).toBe(true);
    // Before the outage the query is answered by that model.
    const before = await gateway.gql<ByVectorData>(BY_VECTOR, { vector: seed[0]!.imageVector });
    expect(before.errors).toBeUndefined();
    expect(before.data?.similarToVector.modelVersions).toEqual([{ modality: 'IMAGE', version: 1 }]);
    expect(before.data?.similarToVector.hits.length).toBe(5);
  }, 120_000);
  afterAll(async () => {
    // Leave a running cluster for the tests that follow, whatever happened here.
    const status = await run('bash', ['scripts/elasticsearch.sh', 'status'], {
      env: { ...process.env, ES_PORT: new URL(elasticsearchUrl()).port },
    }).then(
      () => 0,
      (error: { code?: number }) => error.code ?? 1,
    );
    if (status !== 0) await elasticsearch('start');
    await gateway?.close();
  }, 240_000);

  it('reports every item as indexed or failed, and every indexed item survives', async () => {
    const indexed: string[] = [];
    const failed: string[] = [];
    const batches: (typeof items)[] = [];
    for (let i = 0; i < items.length; i += 100) batches.push(items.slice(i, i + 100));

    let stopped: Promise<void> | null = null;
    let outageSeen = false;
    let readyWhileDown: number | null = null;
    for (const [n, batch] of batches.entries()) {
      if (n === 5) stopped = elasticsearch('stop');
      const response = await gateway.gql<IngestData>(INGEST, { items: batch });
      if (response.errors) {
        // A request-level failure: no item of the batch was confirmed.
        expect(errorCode(response)).toBe('BACKEND_UNAVAILABLE');
        failed.push(...batch.map((item) => item.id));
      } else {
        const result = response.data!.ingestItems;
        const failedIds = result.failed.map((f) => f.id);
        for (const f of result.failed) expect(f.code).toBe('BACKEND_UNAVAILABLE');
        failed.push(...failedIds);
        const failedSet = new Set(failedIds);
        indexed.push(...batch.filter((item) => !failedSet.has(item.id)).map((item) => item.id));
        expect(result.indexed).toBe(batch.length - failedIds.length);
      }
      if (stopped && failed.length > 0 && !outageSeen) {
        outageSeen = true;
        await stopped;
        // While the cluster is down: not ready, and queries fail fast with a clear code.
        readyWhileDown = (await fetch(`${gateway.url}/readyz`)).status;
        // Each query fails with BACKEND_UNAVAILABLE, whether it reached for the cluster or was
        // turned away by the cooldown an earlier failure opened.
        let reached = false;
        for (let attempt = 0; attempt < 5 && !reached; attempt++) {
          const before = gateway.calls.length;
          const query = await gateway.gql(BY_VECTOR, { vector: items[attempt]!.imageVector });
          expect(errorCode(query)).toBe('BACKEND_UNAVAILABLE');
          reached = gateway.calls.length > before;
          if (!reached) await new Promise((resolve) => setTimeout(resolve, 400));
        }
        expect(reached).toBe(true);
        // That failure opened the cooldown: the next query fails without reaching for the cluster.
        const requestsBefore = gateway.calls.length;
        const again = await gateway.gql(BY_VECTOR, { vector: items[9]!.imageVector });
        expect(errorCode(again)).toBe('BACKEND_UNAVAILABLE');
        expect(gateway.calls.slice(requestsBefore)).toEqual([]);
      }
      if (n === 15) await elasticsearch('start');
    }
    expect(outageSeen).toBe(true);
    expect(readyWhileDown).toBe(503);

    // Every item is accounted for exactly once.
    expect(indexed.length + failed.length).toBe(items.length);
    expect(new Set([...indexed, ...failed]).size).toBe(items.length);
    expect(failed.length).toBeGreaterThan(0);
    expect(indexed.length).toBeGreaterThan(0);

    // The gateway is ready again by itself, and every item it confirmed is stored.
    const deadline = Date.now() + 60_000;
    while ((await fetch(`${gateway.url}/readyz`)).status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);

    // Queries are answered again by the model trained before the outage (the first request after
    // a failure may still meet the cooldown: ask until an answer comes, for a bounded while).
    let recovered = await gateway.gql<ByVectorData>(BY_VECTOR, { vector: items[0]!.imageVector });
    while (recovered.errors && Date.now() < deadline) {
      expect(errorCode(recovered)).toBe('BACKEND_UNAVAILABLE');
      await new Promise((resolve) => setTimeout(resolve, 500));
      recovered = await gateway.gql<ByVectorData>(BY_VECTOR, { vector: items[0]!.imageVector });
    }
    expect(recovered.errors).toBeUndefined();
    expect(recovered.data?.similarToVector.modelVersions).toEqual([
      { modality: 'IMAGE', version: 1 },
    ]);
    expect(recovered.data?.similarToVector.hits.length).toBe(5);

    const stored = await gateway.backend.getItems(indexed);
    const missing = indexed.filter((_, i) => stored[i] === null);
    expect(missing).toEqual([]);

    // And the failed ones can simply be sent again.
    const retry = await gateway.gql<IngestData>(INGEST, {
      items: items.filter((item) => failed.includes(item.id)).slice(0, 100),
    });
    expect(retry.data?.ingestItems.failed).toEqual([]);
  }, 240_000);
});
