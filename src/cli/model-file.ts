import type { LshModel } from '../lsh/lsh-model.js';
import { deserializeModel } from '../lsh/model-serialization.js';
import { MODALITIES, type Modality } from '../domain/modalities.js';
import { CliError, ExitCode } from './exit-codes.js';

export interface ModelFile {
  modality: Modality;
  model: LshModel;
  /** The version the file says it had where it was exported (informational). */
  version?: number;
}

/**
 * Reads what `lshql export` writes (a stored model: `{modality, version, createdAt, model}`),
 * or a bare serialised model (`{format: 2, …}`) when `modality` is given. Throws a CliError
 * naming the first problem.
 */
export function parseModelFile(
  value: unknown,
  name: string,
  modalityOption: Modality | undefined,
): ModelFile {
  const fail = (message: string): never => {
    throw new CliError(ExitCode.USAGE, `${name}: ${message}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('expected a JSON object, as `lshql export` writes');
  }
  const o = value as Record<string, unknown>;
  const bare = o.model === undefined && o.format !== undefined;
  let modality: Modality | undefined = modalityOption;
  if (!bare) {
    const declared = MODALITIES.find((m) => m === o.modality);
    if (!declared) {
      return fail(
        `"modality" must be one of ${MODALITIES.join(', ')}, got ${JSON.stringify(o.modality)}`,
      );
    }
    if (modalityOption && modalityOption !== declared) {
      return fail(`holds a ${declared} model, but --modality ${modalityOption} was given`);
    }
    modality = declared;
  } else if (!modality) {
    return fail('holds a bare serialized model: name its modality with --modality');
  }
  let model: LshModel;
  try {
    model = deserializeModel(bare ? o : o.model);
  } catch (error) {
    return fail((error as Error).message);
  }
  const version = typeof o.version === 'number' && !bare ? o.version : undefined;
  return { modality: modality!, model, ...(version !== undefined ? { version } : {}) };
}
