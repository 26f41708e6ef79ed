import type { TrainingJobRecord } from '../models/ports.js';
import type { TrainingProgress } from '../models/training-service.js';

const LABELS: Record<TrainingProgress['phase'], (done: number, total?: number) => string> = {
  sampling: (done) => `sampling: ${done} vectors read`,
  training: (done, total) =>
    total === undefined
      ? 'training: k-means per subspace…'
      : `training: k-means per subspace, ${done}/${total} done`,
  rehashing: (done, total) =>
    total === undefined ? `re-hashing: ${done} items` : `re-hashing: ${done}/${total} items`,
};

/**
 * Reports training phases on stderr: one line rewritten in place on a terminal (at most ~10
 * times a second), one line per phase elsewhere. `done` reports the last count per phase.
 */
export function createTrainingProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  prefix: string,
) {
  const last: Partial<Record<TrainingProgress['phase'], number>> = {};
  let phase: TrainingProgress['phase'] | null = null;
  let drawnAt = 0;
  const tty = stream.isTTY === true;
  return {
    last,
    /** Draws a progress report; with the job, its id and overall progress too. */
    update(progress: TrainingProgress, job?: TrainingJobRecord): void {
      last[progress.phase] = progress.done;
      const changed = progress.phase !== phase;
      phase = progress.phase;
      const overall = job ? ` [job ${job.id}, ${Math.floor(job.progress * 100)}%]` : '';
      const line = `${prefix} ${LABELS[progress.phase](progress.done, progress.total)}${overall}`;
      if (tty) {
        if (!changed && Date.now() - drawnAt < 100) return;
        drawnAt = Date.now();
        stream.write(`\r\x1b[2K${line}`);
      } else if (changed) {
        stream.write(`${line}\n`);
      }
    },
    stop(): void {
      if (tty && phase !== null) stream.write('\r\x1b[2K');
    },
  };
}
