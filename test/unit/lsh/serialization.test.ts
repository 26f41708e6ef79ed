import { describe, it, expect } from 'vitest';
import { LshHasher } from '../../../src/lsh/hasher.js';
import type { LshModel } from '../../../src/lsh/lsh-model.js';
import { deserializeModel, serializeModel } from '../../../src/lsh/model-serialization.js';
import { trainLshModel } from '../../../src/lsh/train.js';
import { randomVectors, row } from './helpers.js';

const vectors = randomVectors(150, 20, 2);
const rotated = trainLshModel(vectors, 150, {
  dim: 20,
  subspaces: 3,
  clusters: 6,
  metric: 'cosine',
  rotate: true,
  seed: 4,
  maxIterations: 10,
});
const plain = trainLshModel(vectors, 150, {
  dim: 20,
  subspaces: 3,
  clusters: 6,
  metric: 'euclidean',
  rotate: false,
  seed: 4,
});

function roundTrip(model: LshModel): LshModel {
  return deserializeModel(JSON.parse(JSON.stringify(serializeModel(model))));
}

describe('model serialisation', () => {
  it('round-trips exactly through JSON', () => {
    for (const model of [rotated, plain]) {
      const back = roundTrip(model);
      expect(back).toEqual(model);
      expect(back.bounds).toBeInstanceOf(Int32Array);
      expect(back.centroids[0]).toBeInstanceOf(Float32Array);
      const h1 = new LshHasher(model);
      const h2 = new LshHasher(back);
      for (let i = 0; i < 20; i++) {
        expect(h2.hashOne(row(vectors, i, 20))).toEqual(h1.hashOne(row(vectors, i, 20)));
      }
    }
    expect(roundTrip(plain).rotation).toBeNull();
    expect(roundTrip(rotated).rotation!.signs[0]).toBeInstanceOf(Int8Array);
  });

  it('writes format 2, the scalar params and little-endian float32 base64', () => {
    const s = serializeModel(plain);
    expect(s).toMatchObject({
      format: 2,
      dim: 20,
      rotatedDim: 20,
      subspaces: 3,
      clusters: 6,
      metric: 'euclidean',
      rotate: false,
      seed: 4,
      maxIterations: 25,
      trainedOn: 150,
      bounds: [0, 7, 14, 20],
      rotation: null,
    });
    const tiny: LshModel = {
      ...plain,
      dim: 2,
      rotatedDim: 2,
      subspaces: 1,
      clusters: 2,
      bounds: new Int32Array([0, 2]),
      centroids: [new Float32Array([1, -2, 0.5, 0])],
    };
    // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0, 0.5f = 00 00 00 3f (little-endian)
    expect(Buffer.from(serializeModel(tiny).centroids[0]!, 'base64')).toEqual(
      Buffer.from([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0, 0, 0, 0x3f, 0, 0, 0, 0]),
    );
    expect(roundTrip(tiny)).toEqual(tiny);
  });

  it('writes the rotation as one string of +/- per round, over the padded dimension', () => {
    const s = serializeModel(rotated);
    expect(s).toMatchObject({ dim: 20, rotatedDim: 32, rotate: true });
    expect(s.bounds).toEqual([0, 11, 22, 32]);
    expect(s.rotation!.signs).toHaveLength(rotated.rotation!.signs.length);
    s.rotation!.signs.forEach((str, r) => {
      expect(str).toMatch(/^[+-]{32}$/);
      expect(Array.from(str, (ch) => (ch === '-' ? -1 : 1))).toEqual(
        Array.from(rotated.rotation!.signs[r]!),
      );
    });
  });

  it('rejects format 1 models (dense rotation) with an actionable message', () => {
    const v1 = {
      ...serializeModel(plain),
      format: 1,
      rotatedDim: undefined,
    };
    expect(() => deserializeModel(v1)).toThrow(
      /format 1 .* no longer supported .* train a new model/,
    );
  });

  it('rejects malformed input with a clear error', () => {
    const good = serializeModel(rotated);
    const cases: [unknown, RegExp][] = [
      [null, /expected an object/],
      ['{}', /expected an object/],
      [[], /expected an object/],
      [{ ...good, format: 3 }, /unsupported format 3 \(expected 2\)/],
      [{ ...good, format: undefined }, /unsupported format/],
      [{ ...good, rotatedDim: 20 }, /rotatedDim must be 32 for dim 20 with rotate=true/],
      [{ ...good, rotatedDim: undefined }, /rotatedDim/],
      [{ ...good, dim: '20' }, /dim/],
      [{ ...good, clusters: 1 }, /clusters/],
      [{ ...good, metric: 'dot' }, /metric/],
      [{ ...good, rotate: 'yes' }, /rotate/],
      [{ ...good, maxIterations: undefined }, /maxIterations/],
      [{ ...good, trainedOn: 3 }, /trainedOn/],
      [{ ...good, bounds: [0, 11, 22] }, /bounds/],
      [{ ...good, bounds: [0, 7, 14, 20] }, /end at rotatedDim \(32\)/],
      [{ ...good, bounds: [0, 22, 11, 32] }, /increasing/],
      [{ ...good, rotation: null }, /rotation must be an object/],
      [{ ...good, rotation: 'abc' }, /rotation must be an object/],
      [{ ...good, rotation: { signs: [] } }, /1 to 16 rounds, got 0/],
      [{ ...good, rotation: { signs: [good.rotation!.signs[0]!.slice(1)] } }, /signs\[0\].*32/],
      [{ ...good, rotation: { signs: ['+', 1] } }, /signs\[0\]/],
      [
        { ...good, rotation: { signs: [good.rotation!.signs[0], 'x'.repeat(32)] } },
        /rotation\.signs\[1\] must be a string of 32 characters \+ or -/,
      ],
      [{ ...serializeModel(plain), rotation: good.rotation }, /rotation must be null/],
      [{ ...good, centroids: good.centroids.slice(0, 2) }, /centroids/],
      [
        // widths are 11, 11, 10: subspace 2's array is too short for subspace 0
        { ...good, centroids: [good.centroids[2], good.centroids[1], good.centroids[0]] },
        /centroids\[0\] holds 240 bytes, expected 66 float32 values/,
      ],
      [{ ...good, centroids: [...good.centroids.slice(0, 2), 42] }, /centroids\[2\]/],
    ];
    for (const [input, message] of cases) {
      expect(() => deserializeModel(input), JSON.stringify(input)?.slice(0, 80)).toThrow(message);
    }
  });

  it('rejects non-finite centroid values', () => {
    const s = serializeModel(plain);
    const bytes = Buffer.from(s.centroids[1]!, 'base64');
    bytes.writeFloatLE(Number.NaN, 8);
    expect(() =>
      deserializeModel({
        ...s,
        centroids: [s.centroids[0], bytes.toString('base64'), s.centroids[2]],
      }),
    ).toThrow(/centroids\[1\]\[2\] is not a finite number/);
  });
});
