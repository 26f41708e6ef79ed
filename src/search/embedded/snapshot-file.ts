import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { StoredItem } from '../../domain/item.js';
import type { TrainingJobRecord } from '../../models/ports.js';
import type { ModelState } from './model-store.js';

const FILE_FORMAT = 1;
/** Writes are buffered up to this many characters between two file writes. */
const WRITE_CHUNK = 1 << 20;

/** What the header line holds besides the item count: models and training jobs. */
export interface SnapshotState extends ModelState {
  /** Absent in files written before jobs were persisted. */
  jobs?: TrainingJobRecord[];
}

/** The persisted file: a header line, then one item per line (JSON Lines). */
interface FileHeader extends SnapshotState {
  format: number;
  items: number;
}

/** What the file holds: the models, the training jobs, and the items in write order. */
export interface Snapshot extends ModelState {
  jobs: readonly TrainingJobRecord[];
  items: readonly StoredItem[];
}

/**
 * The file the embedded backend persists to. A change schedules a save `saveDelayMs` later
 * (changes made meanwhile ride along); each save writes a whole snapshot to a temporary file
 * and renames it over the file, so a crash leaves either the old file or the new one.
 */
export class SnapshotFile {
  private dirty = false;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();
  private saveError: unknown = null;
  /**
   * The load in progress: a save waits for it, since a snapshot taken halfway would hold only
   * the items read so far and replace the whole file. After a failed load nothing is saved.
   */
  private loading: Promise<void> = Promise.resolve();
  private loadFailed = false;

  constructor(
    private readonly file: string,
    private readonly saveDelayMs: number,
    private readonly snapshot: () => Snapshot,
  ) {}

  /** Reads the file: its models and jobs, then each item in order. No file is an empty store. */
  async load(
    onState: (state: SnapshotState) => void,
    onItem: (item: StoredItem) => void,
  ): Promise<void> {
    const run = this.read(onState, onItem);
    this.loading = run.catch(() => {
      this.loadFailed = true;
    });
    await run;
  }

  private async read(
    onState: (state: SnapshotState) => void,
    onItem: (item: StoredItem) => void,
  ): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let header: FileHeader | null = null;
    let count = 0;
    try {
      for await (const line of handle.readLines({ encoding: 'utf8' })) {
        if (line.trim() === '') continue;
        if (!header) {
          header = JSON.parse(line) as FileHeader;
          if (header.format !== FILE_FORMAT) {
            throw new Error(
              `${this.file} has format ${String(header.format)}; this gateway reads format ${FILE_FORMAT}.`,
            );
          }
          onState(header);
          continue;
        }
        onItem(JSON.parse(line) as StoredItem);
        count++;
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
    if (header && count !== header.items) {
      throw new Error(`${this.file} is truncated: ${count} of ${header.items} items read.`);
    }
  }

  /** Notes a change: the file is saved `saveDelayMs` from the first unsaved one. */
  changed(): void {
    this.dirty = true;
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      // A failure is kept and reported by close(); the next change retries.
      this.flush().catch(() => undefined);
    }, this.saveDelayMs);
  }

  /** Saves pending changes now (no-op without any). */
  async flush(): Promise<void> {
    const run = this.saving
      .catch(() => undefined)
      .then(() => this.loading)
      .then(() => this.saveIfDirty());
    this.saving = run;
    await run;
  }

  /** Saves pending changes and cancels the scheduled save; throws if the last save failed. */
  async close(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    await this.flush();
    if (this.saveError) throw this.saveError;
  }

  private async saveIfDirty(): Promise<void> {
    if (!this.dirty || this.loadFailed) return;
    this.dirty = false;
    try {
      await this.write(this.snapshot());
      this.saveError = null;
    } catch (error) {
      this.dirty = true;
      this.saveError = error;
      throw error;
    }
  }

  /** Writes `snapshot` to a temporary file next to the file, then renames it over the file. */
  private async write({ models, active, jobs, items }: Snapshot): Promise<void> {
    const header: FileHeader = {
      format: FILE_FORMAT,
      items: items.length,
      models,
      active,
      jobs: [...jobs],
    };
    const directory = dirname(this.file);
    await mkdir(directory, { recursive: true });
    const temp = join(directory, `.${basename(this.file)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'w');
    try {
      await handle.write(`${JSON.stringify(header)}\n`);
      let chunk = '';
      for (const item of items) {
        chunk += `${JSON.stringify(item)}\n`;
        if (chunk.length > WRITE_CHUNK) {
          await handle.write(chunk);
          chunk = '';
        }
      }
      if (chunk) await handle.write(chunk);
      await handle.sync();
      await handle.close();
      await rename(temp, this.file);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
  }
}
