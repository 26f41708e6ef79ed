import { describe, it, expect } from 'vitest';
import { LshHasher } from '../../../src/lsh/hasher.js';
import type { LshModel, LshModelParams } from '../../../src/lsh/lsh-model.js';
import { deserializeModel, serializeModel } from '../../../src/lsh/model-serialization.js';
import { validateLshParams, validateModel } from '../../../src/lsh/model-validation.js';
import { trainLshModel } from '../../../src/lsh/train.js';
import { randomVectors } from './helpers.js';

const vectors = randomVectors(120, 20, 3);
const rotated = trainLshModel(vectors, 120, {
  dim: 20,
  subspaces: 3,
  clusters: 5,
  metric: 'cosine',
  rotate: true,
  seed: 9,
});
const plain = trainLshModel(vectors, 120, {
  dim: 20,
  subspaces: 3,
  clusters: 5,
  metric: 'euclidean',
  rotate: false,
  seed: 9,
});

/** `rotated` with its centroids, bounds and signs copied, so a case can break them in place. */
function copy(model: LshModel): LshModel {
  return {
    ...model,
    bounds: model.bounds.slice(),
    centroids: model.centroids.map((c) => c.slice()),
    rotation: model.rotation && {
      size: model.rotation.size,
      signs: model.rotation.signs.map((s) => s.slice()),
    },
  };
}

function broken(edit: (m: LshModel) => void, model: LshModel = rotated): LshModel {
  const m = copy(model);
  edit(m);
  return m;
}

// rotated: dim 20 → rotatedDim 32, bounds [0, 11, 22, 32], centroids 55, 55, 50 values.
const cases: [string, LshModel, RegExp][] = [
  ['dim', { ...rotated, dim: 0 }, /^dim must be a positive integer/],
  ['clusters', { ...rotated, clusters: 1 }, /^clusters must be an integer between 2/],
  ['rotatedDim', { ...rotated, rotatedDim: 20 }, /^rotatedDim must be 32 for dim 20/],
  ['rotatedDim (plain)', { ...plain, rotatedDim: 32 }, /^rotatedDim must be 20 for dim 20/],
  ['trainedOn', { ...rotated, trainedOn: 4 }, /^trainedOn must be an integer ≥ clusters \(5\)/],
  [
    'bounds length',
    { ...rotated, bounds: new Int32Array([0, 16, 32]) },
    /^bounds must be an array of 4 integers/,
  ],
  [
    'bounds end',
    { ...rotated, bounds: new Int32Array([0, 11, 22, 30]) },
    /^bounds must start at 0 and end at rotatedDim \(32\)/,
  ],
  [
    'bounds order',
    { ...rotated, bounds: new Int32Array([0, 22, 22, 32]) },
    /^bounds must be strictly increasing \(at index 1\)/,
  ],
  ['missing rotation', { ...rotated, rotation: null }, /^rotation must be an object/],
  [
    'extra rotation',
    { ...plain, rotation: rotated.rotation },
    /^rotation must be null when rotate is false/,
  ],
  [
    'rotation size',
    broken((m) => (m.rotation!.size = 64)),
    /^rotation\.size must be rotatedDim \(32\), got 64/,
  ],
  [
    'no rounds',
    broken((m) => (m.rotation!.signs = [])),
    /^rotation\.signs must hold 1 to 16 rounds, got 0/,
  ],
  [
    'short round',
    broken((m) => (m.rotation!.signs[1] = new Int8Array(31).fill(1))),
    /^rotation\.signs\[1\] must hold 32 signs, each 1 or -1/,
  ],
  [
    'zero sign',
    broken((m) => (m.rotation!.signs[2]![5] = 0)),
    /^rotation\.signs\[2\] must hold 32 signs/,
  ],
  [
    'centroid arrays',
    broken((m) => m.centroids.pop()),
    /^centroids must hold 3 arrays \(one per subspace\), got 2/,
  ],
  [
    'centroid length',
    broken((m) => (m.centroids[2] = m.centroids[0]!)),
    /^centroids\[2\] holds 220 bytes, expected 50 float32 values \(200 bytes\)/,
  ],
  [
    'non-finite centroid',
    broken((m) => (m.centroids[1]![7] = Number.POSITIVE_INFINITY)),
    /^centroids\[1\]\[7\] is not a finite number/,
  ],
];

describe('validateModel', () => {
  it('accepts trained models and their JSON round trips', () => {
    for (const model of [rotated, plain]) {
      expect(() => validateModel(model)).not.toThrow();
      expect(() => validateModel(deserializeModel(serializeModel(model)))).not.toThrow();
    }
  });

  for (const [name, model, message] of cases) {
    it(`rejects a model with a bad ${name}, in the hasher and in deserialisation alike`, () => {
      expect(() => validateModel(model)).toThrow(RangeError);
      expect(() => validateModel(model)).toThrow(message);
      // The hasher checks a model with validateModel: the same error.
      expect(() => new LshHasher(model)).toThrow(RangeError);
      expect(() => new LshHasher(model)).toThrow(message);
    });
  }

  it('reports the same problem in the serialised form, as an invalid serialized model', () => {
    // What the JSON cannot hold: the rotation's size is implied by dim, a sign is + or -.
    const notInJson = new Set(['rotation size', 'zero sign']);
    // What the JSON grammar rejects before the parts are compared.
    const parseErrors: Record<string, RegExp> = {
      'short round': /^rotation\.signs\[1\] must be a string of 32 characters \+ or -$/,
    };
    for (const [name, model, message] of cases) {
      const json = JSON.parse(JSON.stringify(serializeModel(model))) as unknown;
      if (notInJson.has(name)) {
        expect(() => validateModel(deserializeModel(json)), name).not.toThrow();
        continue;
      }
      let text = '';
      try {
        deserializeModel(json);
      } catch (e) {
        text = (e as Error).message;
      }
      expect(text, name).toMatch(/^invalid serialized LSH model: /);
      const problem = text.replace('invalid serialized LSH model: ', '');
      if (parseErrors[name]) {
        expect(problem, name).toMatch(parseErrors[name]);
      } else {
        expect(problem, name).toMatch(message);
        expect(() => validateModel(model)).toThrow(problem);
      }
    }
  });
});

describe('validateLshParams', () => {
  it('fills in maxIterations and rejects an out-of-range one', () => {
    const p: LshModelParams = {
      dim: 8,
      subspaces: 2,
      clusters: 4,
      metric: 'cosine',
      rotate: false,
      seed: 1,
    };
    expect(validateLshParams(p)).toEqual({ ...p, maxIterations: 25 });
    expect(() => validateLshParams({ ...p, maxIterations: 0 })).toThrow(
      /maxIterations must be a positive integer/,
    );
  });
});
