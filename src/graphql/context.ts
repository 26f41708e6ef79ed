import DataLoader from 'dataloader';
import type { Services } from '../services.js';
import type { ItemView } from '../domain/item.js';

/** Per-request state: the shared services plus request-scoped DataLoaders. */
export interface GraphqlContext {
  services: Services;
  /** Item views by id; every look-up of one tick becomes one backend `mget`. */
  itemLoader: DataLoader<string, ItemView | null>;
  /** Whether the caller presented the API key (always true when none is configured). */
  authorized: boolean;
}

export function createItemLoader(services: Services): DataLoader<string, ItemView | null> {
  return new DataLoader(async (ids) => services.backend.getItems(ids), {
    maxBatchSize: 1000,
  });
}

export function createContext(services: Services, authorized: boolean): GraphqlContext {
  return { services, itemLoader: createItemLoader(services), authorized };
}
