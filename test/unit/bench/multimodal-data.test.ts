import { describe, expect, it } from 'vitest';
import {
  MULTIMODAL,
  generateMultimodal,
  hardness,
  multimodalTruth,
} from '../../../bench/data/multimodal-data.js';

describe('the two-modality bench generator', () => {
  const data = generateMultimodal(2000, 20);

  it('is deterministic', () => {
    const again = generateMultimodal(2000, 20);
    const same = (a: ArrayBufferView, b: ArrayBufferView) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      );
    expect(same(again.image, data.image)).toBe(true);
    expect(same(again.text, data.text)).toBe(true);
    expect(same(again.hasText, data.hasText)).toBe(true);
    expect(same(generateMultimodal(2000, 20, { ...MULTIMODAL, seed: 1 }).image, data.image)).toBe(
      false,
    );
  });

  it('gives query items both modalities and leaves some other items without one', () => {
    for (const q of data.queries) {
      expect(data.hasImage[q]).toBe(1);
      expect(data.hasText[q]).toBe(1);
    }
    const noText = data.hasText.reduce((n, h) => n + (h ? 0 : 1), 0);
    const noImage = data.hasImage.reduce((n, h) => n + (h ? 0 : 1), 0);
    expect(noText).toBeGreaterThan(100);
    expect(noImage).toBeGreaterThan(40);
    for (let i = 0; i < data.count; i++)
      expect(data.hasImage[i]! + data.hasText[i]!).toBeGreaterThan(0);
    const row = data.hasText.indexOf(0);
    expect(Array.from(data.text.subarray(row * data.textDim, (row + 1) * data.textDim))).toEqual(
      new Array(data.textDim).fill(0),
    );
  });

  it('ranks by the mean of both cosines, a missing modality counting 0', () => {
    const truth = multimodalTruth(data, 10);
    const cos = (v: Float32Array, dim: number, a: number, b: number) => {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let j = 0; j < dim; j++) {
        ab += v[a * dim + j]! * v[b * dim + j]!;
        aa += v[a * dim + j]! ** 2;
        bb += v[b * dim + j]! ** 2;
      }
      return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
    };
    const q = data.queries[0]!;
    const fused = (i: number) =>
      (cos(data.image, data.imageDim, q, i) + cos(data.text, data.textDim, q, i)) / 2;
    const naive = Array.from({ length: data.count }, (_, i) => i)
      .filter((i) => i !== q)
      .sort((a, b) => fused(b) - fused(a))
      .slice(0, 10);
    expect(truth.fused[0]).toEqual(naive);
  });

  it('has neighbours outside the query’s own sub-topic (the clusters overlap)', () => {
    const h = hardness(data, multimodalTruth(data, 10));
    expect(h.sameSubTopic).toBeLessThan(0.9);
    expect(h.imageOverlap).toBeLessThan(0.9);
  });
});
