import type { Services } from '../services.js';
import { generateSyntheticItems, toItemInput } from './synthetic-items.js';

/** The bundled demo collection: small vectors so example queries stay readable. */
export const DEMO_OPTIONS = {
  count: 1000,
  seed: 7,
  imageDim: 64,
  textDim: 48,
  topics: 8,
  subtopics: 5,
  noise: 0.6,
} as const;

/** Ingests the demo items and trains both models; returns how many items were stored. */
export async function loadDemoData(services: Services): Promise<number> {
  const items = generateSyntheticItems(DEMO_OPTIONS).map(toItemInput);
  let indexed = 0;
  for (let i = 0; i < items.length; i += 500) {
    const outcome = await services.ingest.ingest(items.slice(i, i + 500));
    indexed += outcome.indexed;
  }
  await services.training.train({ modality: 'IMAGE' });
  await services.training.train({ modality: 'TEXT' });
  return indexed;
}
