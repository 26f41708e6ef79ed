import { readFile, writeFile } from 'node:fs/promises';
import { ErrorCode, LshqlError } from '../domain/errors.js';
import { MODALITIES, type Modality } from '../domain/modalities.js';
import type { Services } from '../services.js';
import { cliConfig, withServices, type CliIo, type GlobalOptions } from './cli-context.js';
import { CliError, ExitCode, fileErrorReason } from './exit-codes.js';
import { parseModelFile } from './model-file.js';
import { describeModel, formatModelTable } from './model-table.js';
import { createTrainingProgress } from './training-progress.js';

function run<T>(
  global: GlobalOptions,
  io: CliIo,
  work: (services: Services) => Promise<T>,
): Promise<T> {
  return withServices(cliConfig(global, io.env), io, work);
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export interface TrainOptions {
  modality: Modality;
  subspaces?: number;
  clusters?: number;
  sampleSize?: number;
  json?: boolean;
}

/**
 * `lshql train`: trains, stores and activates the next model version of a modality, as a
 * training job that gateways see too (and that waits for no other job of the modality).
 */
export async function trainCommand(
  options: TrainOptions,
  global: GlobalOptions,
  io: CliIo,
): Promise<number> {
  return run(global, io, async (services) => {
    const progress = createTrainingProgress(io.stderr, `train ${options.modality}:`);
    let record;
    try {
      record = await services.jobs.trainAndWait(
        {
          modality: options.modality,
          subspaces: options.subspaces ?? null,
          clusters: options.clusters ?? null,
          sampleSize: options.sampleSize ?? null,
        },
        (p, job) => progress.update(p, job),
      );
    } finally {
      progress.stop();
    }
    if (options.json) {
      printJson(io, record);
    } else {
      const rehashed = progress.last.rehashing ?? 0;
      io.stdout.write(`trained ${describeModel(record)}; re-hashed ${rehashed} items\n`);
    }
    return ExitCode.OK;
  });
}

export interface ModelsOptions {
  modality?: Modality;
  json?: boolean;
}

/** `lshql models`: the stored versions, which one is active per modality. */
export async function modelsCommand(
  options: ModelsOptions,
  global: GlobalOptions,
  io: CliIo,
): Promise<number> {
  return run(global, io, async (services) => {
    const records = await services.registry.list(options.modality);
    if (options.json) {
      printJson(
        io,
        [...records].sort((a, b) => a.modality.localeCompare(b.modality) || a.version - b.version),
      );
    } else if (records.length === 0) {
      const which = options.modality ? `${options.modality} ` : '';
      io.stdout.write(
        `No ${which}models stored yet. Train one: lshql train --modality ${options.modality ?? MODALITIES[0]}\n`,
      );
    } else {
      io.stdout.write(`${formatModelTable(records)}\n`);
    }
    return ExitCode.OK;
  });
}

export interface ExportOptions {
  modality: Modality;
  version?: number;
  out?: string;
}

/** `lshql export`: a stored model version (the active one by default) as JSON. */
export async function exportCommand(
  options: ExportOptions,
  global: GlobalOptions,
  io: CliIo,
): Promise<number> {
  return run(global, io, async (services) => {
    const { modality } = options;
    let version = options.version;
    if (version === undefined) {
      const active = await services.registry.active(modality, { fresh: true });
      if (!active) {
        throw new LshqlError(
          ErrorCode.MODEL_NOT_TRAINED,
          `No ${modality} model is active: train one (lshql train --modality ${modality}) or name a stored version with --version.`,
        );
      }
      version = active.record.version;
    }
    const stored = await services.backend.models.get(modality, version);
    if (!stored) {
      throw new LshqlError(
        ErrorCode.NOT_FOUND,
        `No ${modality} model version ${version} is stored; \`lshql models\` lists the versions.`,
      );
    }
    const json = `${JSON.stringify(stored, null, 2)}\n`;
    if (options.out === undefined || options.out === '-') {
      io.stdout.write(json);
    } else {
      try {
        await writeFile(options.out, json);
      } catch (error) {
        throw new CliError(
          ExitCode.USAGE,
          `cannot write ${options.out}: ${fileErrorReason(error)}`,
        );
      }
      io.stderr.write(`exported ${modality} model version ${version} to ${options.out}\n`);
    }
    return ExitCode.OK;
  });
}

export interface ImportOptions {
  modality?: Modality;
  activate?: boolean;
  json?: boolean;
}

async function readJsonFile(file: string, io: CliIo): Promise<unknown> {
  let text: string;
  try {
    text = file === '-' ? await readStream(io.stdin) : await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(ExitCode.USAGE, `cannot read ${file}: ${fileErrorReason(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(ExitCode.USAGE, `${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `lshql import`: stores a model file (as `export` writes it) as the next version of its
 * modality; with `--activate` makes it active and re-hashes the stored items.
 */
export async function importCommand(
  file: string,
  options: ImportOptions,
  global: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const config = cliConfig(global, io.env);
  // The file is checked before the backend is opened: a bad file costs no connection.
  const parsed = parseModelFile(await readJsonFile(file, io), file, options.modality);
  return withServices(config, io, async (services) => {
    const { modality, model } = parsed;
    await requireStoredDimension(services, modality, model.dim);
    let record = await services.registry.publish(modality, model);
    let rehashed: number | null = null;
    if (options.activate) {
      const progress = createTrainingProgress(io.stderr, `activate ${modality}:`);
      try {
        rehashed = await services.training.activate(modality, record.version, (p) =>
          progress.update(p),
        );
      } finally {
        progress.stop();
      }
      record = { ...record, active: true };
    }
    if (options.json) {
      printJson(io, record);
    } else {
      io.stdout.write(
        `imported ${describeModel(record)}` +
          (rehashed !== null
            ? `; re-hashed ${rehashed} items\n`
            : `\nnot active yet: lshql activate --modality ${modality} --version ${record.version}\n`),
      );
    }
    return ExitCode.OK;
  });
}

/** Refuses a model whose length differs from the stored vectors': re-hashing would fail. */
async function requireStoredDimension(
  services: Services,
  modality: Modality,
  dim: number,
): Promise<void> {
  const stored = await services.backend.storedDimension(modality);
  if (stored !== null && stored !== dim) {
    throw new LshqlError(
      ErrorCode.DIMENSION_MISMATCH,
      `The model hashes ${dim}-value ${modality} vectors, but the stored ${modality} vectors have ${stored} values.`,
    );
  }
}

export interface ActivateOptions {
  modality: Modality;
  version: number;
}

/** `lshql activate`: makes a stored version active (e.g. to roll back) and re-hashes items. */
export async function activateCommand(
  options: ActivateOptions,
  global: GlobalOptions,
  io: CliIo,
): Promise<number> {
  return run(global, io, async (services) => {
    const { modality, version } = options;
    if (!(await services.backend.models.get(modality, version))) {
      throw new LshqlError(
        ErrorCode.NOT_FOUND,
        `No ${modality} model version ${version} is stored; \`lshql models\` lists the versions.`,
      );
    }
    const { model } = await services.registry.load(modality, version);
    await requireStoredDimension(services, modality, model.dim);
    const progress = createTrainingProgress(io.stderr, `activate ${modality}:`);
    let rehashed: number;
    try {
      rehashed = await services.training.activate(modality, version, (p) => progress.update(p));
    } finally {
      progress.stop();
    }
    io.stdout.write(
      `activated ${modality} model version ${version}; re-hashed ${rehashed} items\n`,
    );
    return ExitCode.OK;
  });
}
