import type { estypes } from '@elastic/elasticsearch';
import { ErrorCode, LshqlError } from '../../domain/errors.js';
import type { Modality } from '../../domain/modalities.js';
import type {
  ActivationOptions,
  Generation,
  GenerationStore,
  HashBatch,
  HashWith,
} from '../../models/ports.js';
import { generationMapping, generationSettings, type IndexLayout } from './index-mapping.js';
import {
  encodedVectorOf,
  setTokens,
  withDenseVectors,
  type ItemDocument,
} from './item-document.js';
import type { ActivationLease, ActivationLocks } from './job-store.js';
import type { ResilientTransport } from './resilient-transport.js';
import { CLOCK_SKEW_MS, type RevisionClock } from './revision-clock.js';
import { scan, scanSlices, type ScanRow } from './scan.js';
import { Semaphore } from './semaphore.js';
import { decodeVector } from './vector-encoding.js';

/** Documents read per request when copying a generation. */
const COPY_BATCH = 500;
/** Slices of the copy read side by side (each hashes and writes its own batches). */
const COPY_SLICES = 2;
/** Bulk writes of a copy in flight at most: more batches wait (back-pressure on the reads). */
const COPY_BULKS_IN_FLIGHT = 2;
/** Ids read per request when comparing generations (no `_source`). */
const ID_BATCH = 5000;

/** The first generation's index name. */
export function firstGenerationIndex(alias: string): string {
  return `${alias}-000001`;
}

/** The next generation's index name: `<alias>-000001` → `<alias>-000002`. */
export function nextGenerationIndex(alias: string, current: string): string {
  const number = Number(/-(\d+)$/.exec(current)?.[1] ?? '0') + 1;
  return `${alias}-${String(number).padStart(6, '0')}`;
}

/** How long deletes are remembered while a carry-over is pending (index.gc_deletes). */
const PENDING_GC_DELETES = '7d';
/** Elasticsearch's default index.gc_deletes. */
const DEFAULT_GC_DELETES = '60s';
/** Tries of the carry-over after an alias switch, 0.5 s, 1 s, 2 s and 4 s apart. */
const CARRY_OVER_ATTEMPTS = 5;
/** After a carry-over failed every try, it is tried again in the background this much later. */
const CARRY_OVER_RETRY_MS = 60_000;
/**
 * A pending carry-over switched longer ago (µs) is not finished automatically: the tombstones
 * of the deletes since (kept PENDING_GC_DELETES) may be gone soon, and a finish that outlived
 * them would bring deleted items back. Its old generation is kept.
 */
const CARRY_OVER_MAX_AGE_US = 6 * 24 * 3600 * 1_000_000;

/** The activation lock was taken over while this activation ran (it missed its heartbeats). */
function lockTakenOver(): LshqlError {
  return new LshqlError(
    ErrorCode.CONFLICT,
    'Another activation took over while this one ran (its heartbeats were missed); nothing was switched. Activate the model again once the other activation is done.',
  );
}

/** Runs `step` until it succeeds, `attempts` times at most, waiting longer after each failure. */
async function retried(attempts: number, step: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}

/**
 * A carry-over not done yet, recorded in the new generation's mapping `_meta` before the alias
 * switch and cleared once done: which generation it copies from, the revisions it looks at, the
 * re-hashed modality and model version, and the revision stamped just before the switch.
 */
interface PendingCarryOver {
  from: string;
  since: number;
  modality: Modality;
  version: number;
  switched_at: number;
  /** Every copy is marked with `carried_from` (absent: recorded by an earlier release). */
  marked?: boolean;
}

interface GenerationMeta {
  model_versions?: Generation['versions'];
  carry_over?: PendingCarryOver;
}

function metaOf(mapping: { mappings?: estypes.MappingTypeMapping } | undefined): GenerationMeta {
  return (mapping?.mappings?._meta as GenerationMeta | undefined) ?? {};
}

/**
 * The generations of the items index behind one alias. Each is an index whose mapping `_meta`
 * records the model versions of its tokens; activating a model builds the next one and switches
 * the alias to it atomically. Activations run one at a time (the activation lock), and a
 * carry-over that could not be done is recorded in `_meta` and finished by the next one.
 */
export class Generations implements GenerationStore {
  constructor(
    private readonly transport: ResilientTransport,
    private readonly revisions: RevisionClock,
    private readonly alias: string,
    private readonly layout: IndexLayout,
    /** Replaced generations kept (write-blocked) after a switch; older ones are deleted. */
    private readonly keepGenerations = 0,
    /** Serialises activations across instances (without it: within this instance only). */
    private readonly locks: ActivationLocks | null = null,
  ) {}

  async generation(): Promise<Generation> {
    const { id, versions } = await this.live();
    return { id, versions };
  }

  /** The live generation, with the carry-over into it still pending, if any. */
  private async live(): Promise<Generation & { pending: PendingCarryOver | null }> {
    const mappings = await this.transport.call('generation', (client) =>
      client.indices.getMapping({ index: this.alias }),
    );
    const [index, mapping] = Object.entries(mappings)[0] ?? [];
    if (!index || !mapping) throw new Error('the items alias names no index');
    const meta = metaOf(mapping);
    return {
      id: index,
      versions: { ...(meta.model_versions ?? {}) },
      pending: meta.carry_over ?? null,
    };
  }

  /**
   * Builds the next generation with `modality` re-hashed by `version`, then swaps the alias to
   * it in one atomic request. Writes that still reach the old generation are carried over after
   * it is write-blocked (writers see STALE_GENERATION and write again to the new one).
   */
  activateModel(
    modality: Modality,
    version: number,
    hash: HashBatch,
    { onProgress, hashWith, beforeSwitch }: ActivationOptions = {},
  ): Promise<number> {
    // One activation at a time, on this instance and across instances (the activation lock of
    // the alias): two (of two modalities) would both build the next generation, or one would
    // delete the generation the other still copies from. The second builds on the first's.
    const run = this.activations.then(() =>
      this.activateLocked(modality, version, hash, onProgress, hashWith, beforeSwitch),
    );
    this.activations = run.catch(() => undefined);
    return run;
  }

  private async activateLocked(
    modality: Modality,
    version: number,
    hash: HashBatch,
    onProgress?: (rehashed: number) => void,
    hashWith?: HashWith,
    beforeSwitch?: () => Promise<void>,
  ): Promise<number> {
    const lease = this.locks ? await this.locks.acquireActivation(this.alias) : null;
    try {
      // The lock may have been waited for long: whoever asked may no longer want this version.
      await beforeSwitch?.();
      return await this.activate(
        modality,
        version,
        hash,
        onProgress,
        lease,
        hashWith,
        beforeSwitch,
      );
    } finally {
      await lease?.release().catch(() => undefined);
    }
  }

  private activations: Promise<unknown> = Promise.resolve();

  private async activate(
    modality: Modality,
    version: number,
    hash: HashBatch,
    onProgress?: (rehashed: number) => void,
    lease: ActivationLease | null = null,
    hashWith?: HashWith,
    beforeSwitch?: () => Promise<void>,
  ): Promise<number> {
    const current = await this.live();
    // A carry-over an earlier activation could not finish: the writes it would bring over
    // exist only in the generation it copies from, so it is finished before anything goes.
    if (current.pending)
      await this.finishCarryOver(current.id, current.versions, current.pending, hashWith);
    // Replaced generations beyond those to keep (a cleanup cut short by a restart). The most
    // recently replaced one stays whatever the setting: a write aimed at it may still be on its
    // way (it fails on the write block and is sent again); deleted, its name would be
    // auto-created by that write, which would swallow it. The scheduled cleanup deletes it.
    await this.deleteReplacedGenerations(current.id, Math.max(1, this.keepGenerations));
    const target = nextGenerationIndex(this.alias, current.id);
    const newVersions = { ...current.versions, [modality]: version };
    // Left half-built by an activation whose gateway stopped (never live: it is newer than the
    // live one, and no other activation runs while this one holds the lock): built again.
    // Never if the alias names it (a lookup that fails stops the activation here).
    if ((await this.aliasedIndexes()).has(target)) {
      throw new Error('the next generation of the items index is live already; nothing switched.');
    }
    await this.transport.call('delete', (client) =>
      client.indices.delete({ index: target }, { ignore: [404] }),
    );
    await this.transport.call('init', (client) =>
      client.indices.create({
        index: target,
        settings: generationSettings(this.layout),
        mappings: generationMapping(newVersions),
      }),
    );
    // The catch-up pass may copy an item again: count each item once.
    const rehashedIds = new Set<string>();
    // The revision each copied item had: a copy later deleted from the old generation is
    // removed from the new one unless written there since (a newer revision).
    const copied = new Map<string, number>();
    // Each item is written to the new generation once per revision: the catch-up pass skips what
    // the first pass copied unchanged, since a rewrite would leave a deleted copy behind, which
    // Lucene still counts in the token statistics `more_like_this` selects terms by.
    const unchanged = (id: string, revision: number) => copied.get(id) === revision;
    const copy = (query?: estypes.QueryDslQueryContainer) =>
      this.copyGeneration(
        current.id,
        query,
        target,
        current.id,
        modality,
        version,
        hash,
        unchanged,
        (rows) => {
          for (const { id, revision, rehashed } of rows) {
            copied.set(id, revision);
            if (rehashed) rehashedIds.add(id);
          }
          onProgress?.(rehashedIds.size);
        },
      );
    // A write stamped before this moment may still be on its way (until its request times out,
    // retries included) or come from an instance whose clock is a little behind: the catch-up
    // pass looks back that far. Copies never overwrite newer writes, so looking back is safe.
    const lookBack = (this.transport.longestRequestMs + CLOCK_SKEW_MS) * 1000;
    const copyStart = this.revisions.next() - lookBack;
    try {
      await this.refreshIndex(current.id);
      await copy();
      await this.refreshIndex(target);
      // Pending until the catch-up below is done: if it never is, the next activation finishes
      // it, and no cleanup deletes the generation it copies from meanwhile.
      await this.putMeta(target, newVersions, {
        from: current.id,
        since: copyStart,
        modality,
        version,
        switched_at: this.revisions.next(),
        marked: true,
      });
      // Taken over meanwhile (no heartbeat for long): another activation may build on `current`.
      // Checked last before the switch, as is whether the version is still wanted.
      if (lease && !(await lease.stillHeld())) throw lockTakenOver();
      await beforeSwitch?.();
      await this.transport.call('alias', (client) =>
        client.indices.updateAliases({
          actions: [
            { remove: { index: current.id, alias: this.alias } },
            { add: { index: target, alias: this.alias, is_write_index: true } },
          ],
        }),
      );
    } catch (error) {
      // Not switched: drop the half-built generation and keep serving the current one. Only if
      // the alias surely does not name it (a switch whose answer was lost did switch); when
      // that cannot be told, it stays, and the next activation builds it again.
      const aliased = await this.aliasedIndexes().catch(() => null);
      if (aliased && !aliased.has(target)) {
        await this.transport.client.indices
          .delete({ index: target }, { ignore: [404] })
          .catch(() => undefined);
      }
      throw error;
    }
    // Switched: what reached the old generation meanwhile exists nowhere else, so carrying it
    // over is retried (every step is idempotent) rather than given up after one failure; if it
    // fails every try, once more in the background a little later.
    await retried(CARRY_OVER_ATTEMPTS, async () => {
      // From here on nothing lands in the old generation; then carry over what did meanwhile.
      await this.transport.call('block', (client) =>
        client.indices.addBlock({ index: current.id, block: 'write' }),
      );
      // Writes acknowledged before the block must be visible to the catch-up scan.
      await this.refreshIndex(current.id);
      await copy({ range: { revision: { gte: copyStart } } });
      // Items copied, then deleted from the old generation before its block, go too.
      await this.removeDeletedFromOld(current.id, target, copied);
      await this.refreshIndex(target);
      await this.putMeta(target, newVersions, null);
    }).catch((error: unknown) => {
      if (hashWith) {
        const timer = setTimeout(() => void this.finishInBackground(hashWith), CARRY_OVER_RETRY_MS);
        timer.unref();
      }
      throw error;
    });
    // The replaced generation stays write-blocked while a write aimed at it may still be on its
    // way (it fails and is sent again to the new one; deleted, its name would be auto-created by
    // that write and swallow it), then goes unless LSHQL_KEEP_GENERATIONS keeps it.
    this.scheduleCleanup(target);
    return rehashedIds.size;
  }

  /** The indexes the alias names now (throws when that cannot be told). */
  private async aliasedIndexes(): Promise<Set<string>> {
    const aliases = await this.transport.call('alias', (client) =>
      client.indices.getAlias({ name: this.alias }, { ignore: [404] }),
    );
    return new Set(Object.keys(aliases).filter((key) => key !== 'error' && key !== 'status'));
  }

  /**
   * Finishes the carry-over into the live generation that an earlier activation left pending,
   * under the activation lock, unless it was switched too long ago (then it is logged and its
   * old generation kept). Whether one was finished.
   */
  finishPendingCarryOver(hashWith: HashWith): Promise<boolean> {
    const run = this.activations.then(async () => {
      const lease = this.locks ? await this.locks.acquireActivation(this.alias) : null;
      try {
        const current = await this.live();
        if (!current.pending) return false;
        const age = this.revisions.next() - current.pending.switched_at;
        if (age > CARRY_OVER_MAX_AGE_US) {
          console.error(
            `lshql: the carry-over from ${current.pending.from} into ${current.id} has been pending for ${Math.round(age / 86_400_000_000)} days; not finished automatically (deleted items could come back). ${current.pending.from} is kept.`,
          );
          return false;
        }
        await this.finishCarryOver(current.id, current.versions, current.pending, hashWith);
        return true;
      } finally {
        await lease?.release().catch(() => undefined);
      }
    });
    this.activations = run.catch(() => undefined);
    return run;
  }

  /** `finishPendingCarryOver`, logged, never failing. */
  private async finishInBackground(hashWith: HashWith): Promise<void> {
    try {
      if (await this.finishPendingCarryOver(hashWith)) {
        console.error(`lshql: a pending carry-over into ${this.alias} was finished.`);
      }
    } catch (error) {
      console.error(
        `lshql: finishing a pending carry-over into ${this.alias} failed (the next activation tries again): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Sets a generation's mapping `_meta`: its model versions and the pending carry-over. */
  private async putMeta(
    index: string,
    versions: Generation['versions'],
    pending: PendingCarryOver | null,
  ): Promise<void> {
    const meta: GenerationMeta = {
      model_versions: versions,
      ...(pending ? { carry_over: pending } : {}),
    };
    await this.transport.call('init', (client) =>
      client.indices.putMapping({ index, _meta: meta as Record<string, unknown> }),
    );
    // While a carry-over is pending, the generation keeps the tombstones of its deletes longer
    // than the default minute, so that a copy finished later never brings a deleted item back.
    await this.transport.call('init', (client) =>
      client.indices.putSettings({
        index,
        settings: { 'index.gc_deletes': pending ? PENDING_GC_DELETES : DEFAULT_GC_DELETES },
      }),
    );
  }

  /**
   * Finishes the carry-over into the live generation that an earlier activation left pending:
   * what reached the generation it copies from during that activation is copied (re-hashed with
   * the model that activation switched to), and copies since deleted there are removed, unless
   * written to the live generation since the switch. Then it is no longer pending.
   */
  private async finishCarryOver(
    live: string,
    versions: Generation['versions'],
    pending: PendingCarryOver,
    hashWith: HashWith | undefined,
  ): Promise<void> {
    const exists = await this.transport.call('init', (client) =>
      client.indices.exists({ index: pending.from }),
    );
    if (exists) {
      if (!hashWith) {
        // (Index names stay out: the message may reach a client.)
        throw new Error(
          'a carry-over left pending by an earlier activation cannot be finished here (no model to re-hash it with).',
        );
      }
      const hash = await hashWith(pending.modality, pending.version);
      await retried(CARRY_OVER_ATTEMPTS, async () => {
        await this.transport.call('block', (client) =>
          client.indices.addBlock({ index: pending.from, block: 'write' }),
        );
        await this.refreshIndex(pending.from);
        await this.refreshIndex(live);
        // Copies never overwrite a write as new or newer: nothing needs skipping.
        await this.copyGeneration(
          pending.from,
          { range: { revision: { gte: pending.since } } },
          live,
          // (A live generation of an earlier release has no `carried_from` in its mapping.)
          pending.marked ? pending.from : null,
          pending.modality,
          pending.version,
          hash,
          () => false,
          () => undefined,
        );
        // The copies from the old generation (a write since has cleared the mark) go if they
        // are not there any more. A pending carry-over of an earlier release marked no copy:
        // what the live generation holds from before the switch came from the old one (but a
        // write from an instance whose clock lags may look so too).
        const copied = new Map<string, number>();
        const rows = scan<{ revision?: number }>(this.transport, {
          index: live,
          batchSize: ID_BATCH,
          source: ['revision'],
          query: pending.marked
            ? { term: { carried_from: pending.from } }
            : { range: { revision: { lt: pending.switched_at } } },
        });
        for await (const batch of rows) {
          for (const row of batch) copied.set(row.id, row.source?.revision ?? 0);
        }
        await this.removeDeletedFromOld(pending.from, live, copied);
        await this.refreshIndex(live);
      });
    }
    await this.putMeta(live, versions, null);
  }

  /** Deletes the replaced generations of `current` beyond the `keep` most recent ones. */
  private scheduleCleanup(current: string): void {
    const timer = setTimeout(() => {
      this.deleteReplacedGenerations(current, this.keepGenerations).catch(() => undefined);
    }, this.transport.longestRequestMs);
    timer.unref();
  }

  private async refreshIndex(index: string): Promise<void> {
    await this.transport.call('refresh', (client) => client.indices.refresh({ index }));
  }

  /**
   * Copies the documents of `source` matching `query` into `target`, re-hashing `modality` with
   * `hash`, but those `skip` says are there already. Each copy keeps the source's revision as its
   * external version, so it never overwrites a write as new or newer, and is marked with
   * `carried_from: mark` (unmarked when `mark` is null).
   */
  private async copyGeneration(
    source: string,
    query: estypes.QueryDslQueryContainer | undefined,
    target: string,
    mark: string | null,
    modality: Modality,
    version: number,
    hash: HashBatch,
    skip: (id: string, revision: number) => boolean,
    onCopied: (rows: { id: string; revision: number; rehashed: boolean }[]) => void,
  ): Promise<void> {
    const slots = new Semaphore(COPY_BULKS_IN_FLIGHT);
    const copyBatch = async (batch: ScanRow<ItemDocument>[]) => {
      const rows = batch.filter(
        (row): row is { id: string; source: ItemDocument } =>
          Boolean(row.source) && !skip(row.id, row.source!.revision ?? 0),
      );
      if (rows.length === 0) return;
      const toHash = rows.flatMap((row) => {
        const encoded = encodedVectorOf(row.source, modality);
        return encoded ? [{ row, vector: decodeVector(encoded) }] : [];
      });
      const tokens = await hash(toHash.map(({ vector }) => vector));
      toHash.forEach(({ row }, i) => setTokens(row.source, modality, tokens[i]!, version));
      const operations = rows.flatMap((row) => {
        const revision = row.source.revision ?? 0;
        const { carried_from: _earlierMark, ...document } = withDenseVectors(row.source);
        return [
          {
            index: {
              _index: target,
              _id: row.id,
              version: revision,
              // Strictly newer only: an equal revision is the same write, already there.
              version_type: 'external' as const,
            },
          },
          { ...document, revision, ...(mark === null ? {} : { carried_from: mark }) },
        ];
      });
      const response = await slots.run(() =>
        this.transport.call('bulk', (client) => client.bulk({ operations, refresh: false })),
      );
      const failed = response.items.filter((entry) => {
        const error = Object.values(entry)[0]?.error;
        return error && error.type !== 'version_conflict_engine_exception';
      });
      if (failed.length > 0) {
        // The error type only: the message may reach a client (a job's error), index names not.
        const type = Object.values(failed[0]!)[0]?.error?.type ?? 'unknown';
        throw new Error(`copying into the next generation failed (${type}).`);
      }
      const hashed = new Set(toHash.map(({ row }) => row.id));
      onCopied(
        rows.map((row) => ({
          id: row.id,
          revision: row.source.revision ?? 0,
          rehashed: hashed.has(row.id),
        })),
      );
    };
    // One point in time: a consistent view of the source, read in slices side by side.
    await scanSlices<ItemDocument>(
      this.transport,
      { index: source, batchSize: COPY_BATCH, slices: COPY_SLICES, ...(query ? { query } : {}) },
      copyBatch,
    );
  }

  /**
   * Drops the generations replaced before `current`, but the `keep` most recent of them (which
   * stay write-blocked).
   */
  async deleteReplacedGenerations(current: string, keep: number): Promise<void> {
    const indexes = await this.transport.call('init', (client) =>
      client.indices.get({ index: `${this.alias}-*` }, { ignore: [404] }),
    );
    // A generation a pending carry-over still copies from stays.
    const pendingFrom = new Set(
      Object.values(indexes).flatMap((index) => {
        const from = metaOf(index).carry_over?.from;
        return from ? [from] : [];
      }),
    );
    const replaced = Object.keys(indexes)
      .filter((index) => /-\d{6}$/.test(index) && index < current && !pendingFrom.has(index))
      .sort();
    const old = replaced.slice(0, Math.max(0, replaced.length - keep));
    if (old.length > 0) {
      await this.transport.call('delete', (client) =>
        client.indices.delete({ index: old }, { ignore: [404] }),
      );
    }
  }

  /**
   * Deletes from `target` the copied items that are no longer in the old generation (deleted
   * there after the copy read them), unless written to `target` since: only a document still at
   * the copied revision goes, and only if it did not change between reading and deleting it.
   */
  private async removeDeletedFromOld(
    old: string,
    target: string,
    copied: ReadonlyMap<string, number>,
  ): Promise<void> {
    const kept = new Set<string>();
    for await (const rows of this.ids(old)) for (const row of rows) kept.add(row.id);
    const gone = [...copied.keys()].filter((id) => !kept.has(id));
    for (let start = 0; start < gone.length; start += ID_BATCH) {
      const ids = gone.slice(start, start + ID_BATCH);
      const response = await this.transport.call('mget', (client) =>
        client.mget<{ revision?: number }>({ index: target, ids, _source: ['revision'] }),
      );
      const operations = response.docs.flatMap((doc) => {
        if (!('found' in doc) || !doc.found || doc._seq_no === undefined) return [];
        if (doc._source?.revision !== copied.get(doc._id)) return [];
        return [
          {
            delete: {
              _index: target,
              _id: doc._id,
              if_seq_no: doc._seq_no,
              if_primary_term: doc._primary_term ?? 1,
            },
          },
        ];
      });
      if (operations.length === 0) continue;
      // A conflict means a newer write landed meanwhile: it stays.
      await this.transport.call('bulk', (client) => client.bulk({ operations }));
    }
  }

  /** The ids of an index's documents matching `query`. */
  private ids(
    index: string,
    query?: estypes.QueryDslQueryContainer,
  ): AsyncIterable<ScanRow<unknown>[]> {
    return scan(this.transport, {
      index,
      batchSize: ID_BATCH,
      source: false,
      ...(query ? { query } : {}),
    });
  }
}
