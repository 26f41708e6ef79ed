import { describe, it, expect } from 'vitest';
import {
  LshHasher,
  deserializeModel,
  serializeModel,
  trainLshModel,
  type LshModel,
} from '../../../src/lsh/index.js';
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
  });

  it('writes format 1, the scalar params and little-endian float32 base64', () => {
    const s = serializeModel(plain);
    expect(s).toMatchObject({
      format: 1,
      dim: 20,
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

  it('rejects malformed input with a clear error', () => {
    const good = serializeModel(rotated);
    const cases: [unknown, RegExp][] = [
      [null, /expected an object/],
      ['{}', /expected an object/],
      [[], /expected an object/],
      [{ ...good, format: 2 }, /unsupported format 2/],
      [{ ...good, format: undefined }, /unsupported format/],
      [{ ...good, dim: '20' }, /dim/],
      [{ ...good, clusters: 1 }, /clusters/],
      [{ ...good, metric: 'dot' }, /metric/],
      [{ ...good, rotate: 'yes' }, /rotate/],
      [{ ...good, maxIterations: undefined }, /maxIterations/],
      [{ ...good, trainedOn: 3 }, /trainedOn/],
      [{ ...good, bounds: [0, 7, 14] }, /bounds/],
      [{ ...good, bounds: [0, 7, 14, 21] }, /bounds/],
      [{ ...good, bounds: [0, 14, 7, 20] }, /increasing/],
      [{ ...good, rotation: null }, /rotation/],
      [{ ...good, rotation: good.rotation!.slice(0, -8) }, /rotation.*bytes/],
      [{ ...good, rotation: 'not base64!' }, /rotation must be a base64 string/],
      [{ ...serializeModel(plain), rotation: good.rotation }, /rotation must be null/],
      [{ ...good, centroids: good.centroids.slice(0, 2) }, /centroids/],
      [
        // widths are 7, 7, 6: subspace 2's array is too short for subspace 0
        { ...good, centroids: [good.centroids[2], good.centroids[1], good.centroids[0]] },
        /centroids\[0\] holds 144 bytes, expected 42 float32 values/,
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
