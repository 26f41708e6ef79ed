import { ErrorCode, LshqlError } from '../domain/errors.js';
import { byModality } from '../domain/modalities.js';
import type { Resolvers } from './generated/resolvers-types.js';

function checkIds(ids: readonly string[], max: number): void {
  if (ids.length > max) {
    throw new LshqlError(ErrorCode.BAD_USER_INPUT, `At most ${max} ids per request.`);
  }
}

/** Thin resolvers: read arguments, call one service, return its result. */
export const resolvers: Resolvers = {
  Query: {
    item: (_parent, { id }, context) => context.itemLoader.load(id),
    items: (_parent, { ids }, context) => {
      checkIds(ids, context.services.config.LSHQL_MAX_BATCH);
      return context.itemLoader.loadMany(ids).then((items) =>
        items.map((item) => {
          if (item instanceof Error) throw item;
          return item;
        }),
      );
    },
    similar: async (_parent, args, context) => {
      const result = await context.services.similar.similar({
        id: args.id,
        textFilter: args.textFilter,
        modalities: args.modalities,
        first: args.first,
        weights: byModality(args.weights),
      });
      // The hits carry their items: later `item` look-ups in this request cost nothing.
      for (const hit of result.hits) context.itemLoader.prime(hit.item.id, hit.item);
      return result;
    },
    similarToVector: async (_parent, args, context) => {
      const result = await context.services.similar.similarToVector(args);
      for (const hit of result.hits) context.itemLoader.prime(hit.item.id, hit.item);
      return result;
    },
    lshModels: (_parent, { modality }, context) =>
      context.services.registry.list(modality ?? undefined),
    trainingJob: (_parent, { id }, context) => context.services.jobs.get(id),
    trainingJobs: (_parent, _args, context) => context.services.jobs.list(),
  },
  Mutation: {
    // The API key is checked for every mutation by guardMutations (mutation-guard.ts).
    ingestItems: (_parent, { items }, context) => context.services.ingest.ingest(items),
    // A job like startTraining's, waited for: other instances see it and its lock holds.
    trainModel: (_parent, args, context) => context.services.jobs.trainAndWait(args),
    startTraining: (_parent, args, context) => context.services.jobs.start(args),
    deleteItems: async (_parent, { ids }, context) => {
      const deleted = await context.services.ingest.delete(ids);
      for (const id of ids) context.itemLoader.clear(id);
      return deleted;
    },
  },
  TrainingJob: {
    model: async (job, _args, context) => {
      if (job.version === null) return null;
      const models = await context.services.registry.list(job.modality);
      return models.find((model) => model.version === job.version) ?? null;
    },
  },
  Item: {
    __resolveReference: (reference, context) => context.itemLoader.load(reference.id),
  },
};
