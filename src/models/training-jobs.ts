import { randomUUID } from 'node:crypto';
import { ErrorCode, LshqlError } from '../domain/errors.js';
import type { ModelRecord } from './model-record.js';
import {
  FINAL_TRAINING_STATES,
  isStale,
  type JobStore,
  type TrainingJobRecord,
  type TrainingState,
} from './ports.js';
import type { ModelTrainingService, TrainRequest, TrainingProgress } from './training-service.js';

/** How often a running job writes its heartbeat (and latest progress). */
export const HEARTBEAT_MS = 2000;
/** A job without a heartbeat for this long is dead: its gateway stopped while it ran. */
export const STALE_AFTER_MS = 30_000;
/** Jobs `list` returns, the most recent first. */
const LIST_LIMIT = 100;
export const STOPPED_REASON = 'gateway stopped while the job ran';

/** The share of the whole job each phase ends at: re-hashing is most of the work. */
const PHASE_END: Record<TrainingProgress['phase'], number> = {
  sampling: 0.1,
  training: 0.5,
  rehashing: 1,
};
const PHASE_STATE: Record<TrainingProgress['phase'], TrainingState> = {
  sampling: 'SAMPLING',
  training: 'TRAINING',
  rehashing: 'REHASHING',
};
const PHASE_START: Record<TrainingProgress['phase'], number> = {
  sampling: 0,
  training: PHASE_END.sampling,
  rehashing: PHASE_END.training,
};

/** The job record after one progress report (pure). */
export function applyProgress(
  job: TrainingJobRecord,
  progress: TrainingProgress,
): TrainingJobRecord {
  const start = PHASE_START[progress.phase];
  const share = PHASE_END[progress.phase] - start;
  const fraction =
    progress.total !== undefined && progress.total > 0
      ? Math.min(1, progress.done / progress.total)
      : 0;
  const next: TrainingJobRecord = {
    ...job,
    state: PHASE_STATE[progress.phase],
    progress: Math.max(job.progress, start + share * fraction),
  };
  if (progress.phase === 'sampling' && progress.total !== undefined) {
    next.itemsTotal = progress.total;
  }
  if (progress.phase === 'rehashing') next.itemsRehashed = progress.done;
  return next;
}

/** A job as it is to be reported: a dead one (no heartbeat for `staleMs`) reads as FAILED. */
export function reconciled(
  job: TrainingJobRecord,
  staleMs: number,
  now = Date.now(),
): TrainingJobRecord {
  if (!isStale(job, staleMs, now)) return job;
  return {
    ...job,
    state: 'FAILED',
    error: STOPPED_REASON,
    finishedAt: new Date(now).toISOString(),
  };
}

interface RunningJob {
  record: TrainingJobRecord;
  done: Promise<ModelRecord>;
}

/**
 * Training as jobs: `start` returns at once with a QUEUED job that trains, publishes and
 * activates the next model version of a modality while the gateway goes on serving. Jobs live in
 * the backend's job store, so every instance (and the CLI) sees them; a per-modality lock there
 * lets one job per modality run at a time. A failed job leaves the active version as it was.
 */
export class TrainingJobs {
  /** This process, as the owner of the jobs it runs. */
  readonly owner = randomUUID();
  private readonly running = new Map<string, RunningJob>();

  constructor(
    private readonly store: JobStore,
    private readonly training: ModelTrainingService,
    private readonly options: { heartbeatMs?: number; staleMs?: number } = {},
  ) {}

  /**
   * Starts a job. Bad parameters are refused here (BAD_USER_INPUT), and so is a second job for
   * a modality whose job still runs anywhere (CONFLICT).
   */
  async start(request: TrainRequest): Promise<TrainingJobRecord> {
    return (await this.launch(request)).record;
  }

  /** Runs a job to its end: the published, active model, or the error that failed the job. */
  async trainAndWait(
    request: TrainRequest,
    onProgress?: (progress: TrainingProgress, job: TrainingJobRecord) => void,
  ): Promise<ModelRecord> {
    return (await this.launch(request, onProgress)).done;
  }

  async get(id: string): Promise<TrainingJobRecord | null> {
    const local = this.running.get(id);
    if (local) return { ...local.record };
    const stored = await this.store.get(id);
    return stored ? this.reconcile(stored) : null;
  }

  async list(): Promise<TrainingJobRecord[]> {
    const stored = await this.store.list(LIST_LIMIT);
    return Promise.all(
      stored.map((job) => {
        const local = this.running.get(job.id);
        return local ? { ...local.record } : this.reconcile(job);
      }),
    );
  }

  /** Waits for the jobs of this process to end (shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((job) => job.done));
  }

  private async launch(
    request: TrainRequest,
    onProgress?: (progress: TrainingProgress, job: TrainingJobRecord) => void,
  ): Promise<RunningJob> {
    await this.training.validate(request);
    const id = randomUUID();
    const lock = await this.store.tryLock(request.modality, id, this.staleMs);
    if (!lock.acquired) {
      throw new LshqlError(
        ErrorCode.CONFLICT,
        `A ${request.modality} model is being trained already (job ${lock.heldBy}); wait for it to finish.`,
        { jobId: lock.heldBy },
      );
    }
    try {
      if (lock.tookOverFrom) await this.failAbandoned(lock.tookOverFrom);
      const now = new Date().toISOString();
      const record: TrainingJobRecord = {
        id,
        modality: request.modality,
        state: 'QUEUED',
        progress: 0,
        itemsRehashed: 0,
        itemsTotal: null,
        params: {
          subspaces: request.subspaces ?? null,
          clusters: request.clusters ?? null,
          sampleSize: request.sampleSize ?? null,
        },
        version: null,
        error: null,
        startedAt: now,
        finishedAt: null,
        heartbeatAt: now,
        owner: this.owner,
      };
      await this.store.create(record);
      const state = { record };
      const job: RunningJob = Object.assign(state, { done: this.run(state, request, onProgress) });
      // A caller of `start` does not wait: the outcome is in the job record.
      job.done.catch(() => undefined);
      this.running.set(id, job);
      return job;
    } catch (error) {
      await this.store.unlock(request.modality, id).catch(() => undefined);
      throw error;
    }
  }

  private async run(
    job: { record: TrainingJobRecord },
    request: TrainRequest,
    onProgress?: (progress: TrainingProgress, job: TrainingJobRecord) => void,
  ): Promise<ModelRecord> {
    // Let `launch` register the job before the first write.
    await Promise.resolve();
    let lastState = job.record.state;
    let writing: Promise<void> = Promise.resolve();
    // Writes go one after the other, so a late heartbeat never overwrites the final state.
    const save = () => {
      const snapshot = { ...job.record, heartbeatAt: new Date().toISOString() };
      job.record.heartbeatAt = snapshot.heartbeatAt;
      writing = writing.then(() => this.store.update(snapshot)).catch(() => undefined);
      return writing;
    };
    const heartbeat = setInterval(() => void save(), this.options.heartbeatMs ?? HEARTBEAT_MS);
    heartbeat.unref();
    let outcome: { model: ModelRecord } | { error: unknown };
    let final: TrainingJobRecord;
    try {
      const model = await this.training.train(
        request,
        (progress) => {
          job.record = applyProgress(job.record, progress);
          onProgress?.(progress, { ...job.record });
          if (job.record.state !== lastState) {
            lastState = job.record.state;
            void save();
          }
        },
        // A job whose lock was taken over (its heartbeat missed for too long, so another job
        // may run) publishes and activates nothing from then on.
        async (step) => {
          // A transient failure to read the lock is tried once more before the job fails.
          const holds = await this.store
            .holdsLock(request.modality, job.record.id)
            .catch(async () => {
              await new Promise((resolve) => setTimeout(resolve, 500));
              return this.store.holdsLock(request.modality, job.record.id);
            });
          if (holds) return;
          throw new LshqlError(ErrorCode.CONFLICT, lockLostMessage(request.modality, step));
        },
      );
      outcome = { model };
      final = { ...job.record, state: 'DONE', progress: 1, version: model.version };
    } catch (error) {
      outcome = { error };
      final = {
        ...job.record,
        state: 'FAILED',
        error: error instanceof LshqlError ? error.message : failureMessage(error),
      };
    }
    clearInterval(heartbeat);
    await writing;
    final = {
      ...final,
      finishedAt: new Date().toISOString(),
      heartbeatAt: new Date().toISOString(),
    };
    // Stored, then unlocked, and only then reported final here: whoever sees the job ended can
    // start the next one. (Should the write fail, the record goes stale and reads FAILED.)
    await this.store.update(final).catch(() => undefined);
    await this.store.unlock(request.modality, final.id).catch(() => undefined);
    job.record = final;
    this.running.delete(final.id);
    if ('error' in outcome) throw outcome.error;
    return outcome.model;
  }

  private get staleMs(): number {
    return this.options.staleMs ?? STALE_AFTER_MS;
  }

  /** Reports a dead job as FAILED, and records that. */
  private async reconcile(job: TrainingJobRecord): Promise<TrainingJobRecord> {
    const reported = reconciled(job, this.staleMs);
    if (reported !== job) await this.store.update(reported).catch(() => undefined);
    return reported;
  }

  /** The job whose stale lock was taken over: FAILED, if its record still says it runs. */
  private async failAbandoned(id: string): Promise<void> {
    const job = await this.store.get(id);
    if (job && !FINAL_TRAINING_STATES.includes(job.state)) {
      await this.store.update(reconciled(job, -1));
    }
  }
}

/** Why a job whose lock was taken over stopped, and what it left as it was. */
export function lockLostMessage(
  modality: TrainRequest['modality'],
  step: 'publish' | 'activate',
): string {
  const left =
    step === 'publish'
      ? 'nothing was published or activated'
      : `the published version was not activated (the active ${modality} model is unchanged)`;
  return `the job lost its ${modality} training lock to another job (its heartbeat was missed) before it could ${step}; ${left}.`;
}

/** A client-safe reason for an unexpected failure (no stack, no backend error body). */
function failureMessage(error: unknown): string {
  if (!(error instanceof Error) || error.name === 'ResponseError') {
    return 'training failed: the backend refused a request (see the gateway log).';
  }
  return `training failed: ${error.message.slice(0, 300)}`;
}
