import { ErrorCode, LshqlError } from '../domain/errors.js';
import { byModality } from '../domain/modalities.js';
import type { Resolvers } from './generated/resolvers-types.js';
import type { GraphqlContext } from './context.js';
import type { SimilarResultModel } from '../search/similar-service.js';
import { hitContentOf } from './hit-selection.js';

function checkIds(ids: readonly string[], max: number): void {
  if (ids.length > max) {
    throw new LshqlError(ErrorCode.BAD_USER_INPUT, `At most ${max} ids per request.`);
  }
}

/**
 * The hits carry their items: later `item` look-ups in this request cost nothing (not for hits
 * holding only their keys).
 */
function primed(context: GraphqlContext, result: SimilarResultModel): SimilarResultModel {
  for (const hit of result.hits) {
    if (!hit.keysOnly) context.itemLoader.prime(hit.item.id, hit.item);
  }
  return result;
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
    similar: async (_parent, args, context, info) =>
      primed(
        context,
        await context.services.similar.similar({
          ...args,
          weights: byModality(args.weights),
          hitContent: hitContentOf(info),
        }),
      ),
    similarToVector: async (_parent, args, context, info) =>
      primed(
        context,
        await context.services.similar.similarToVector({ ...args, hitContent: hitContentOf(info) }),
      ),
    similarToItems: async (_parent, args, context, info) =>
      primed(
        context,
        await context.services.similar.similarToItems({
          ...args,
          weights: byModality(args.weights),
          hitContent: hitContentOf(info),
        }),
      ),
    similarToVectors: async (_parent, args, context, info) =>
      primed(
        context,
        await context.services.similar.similarToVectors({
          ...args,
          vectors: byModality(args.vectors),
          weights: byModality(args.weights),
          hitContent: hitContentOf(info),
        }),
      ),
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
  SimilarHit: {
    explanation: (hit) => hit.explain(),
  },
  Item: {
    __resolveReference: (reference, context) => context.itemLoader.load(reference.id),
  },
};
