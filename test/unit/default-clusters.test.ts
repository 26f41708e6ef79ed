import { describe, expect, it } from 'vitest';
import {
  defaultClusters,
  defaultSubspaces,
  subspaceWidth,
} from '../../src/lsh/default-clusters.js';

describe('defaultClusters', () => {
  it('uses the configured maximum when the sample and the subspaces are large', () => {
    // 10,000 vectors of 512 dims in 16 subspaces: 32-d slices, 312 vectors per 1 % of clusters.
    expect(defaultClusters(10_000, subspaceWidth(512, 16, true), 256)).toBe(256);
    expect(defaultClusters(100_000, 32, 1024)).toBe(1024);
  });

  it('keeps at least 32 training vectors a cluster, as a power of two', () => {
    expect(defaultClusters(5_000, 32, 256)).toBe(128); // 156 → 128
    expect(defaultClusters(2_000, 32, 256)).toBe(32); // 62 → 32
    expect(defaultClusters(64, 32, 256)).toBe(2);
  });

  it('caps at 2^(d-1) cells for d-dimensional subspaces', () => {
    // 8-d slices: 128, not 256, even with a sample that allows 256.
    expect(defaultClusters(10_000, 8, 256)).toBe(128);
    expect(defaultClusters(100_000, 8, 1024)).toBe(128);
    // scikit-learn digits: 64-d, 16 subspaces asked for → 4-d slices.
    expect(defaultClusters(1_597, subspaceWidth(64, 16, true), 256)).toBe(8);
    // 48-d text vectors, unrotated: 3-d slices.
    expect(defaultClusters(1_000, subspaceWidth(48, 16, false), 256)).toBe(4);
    // 16-d slices: at most 2^15 cells.
    expect(defaultClusters(100_000, 16, 65_535)).toBe(2 ** 11); // the sample binds: 3,125 → 2,048
    expect(defaultClusters(10_000_000, 16, 65_535)).toBe(2 ** 15);
  });

  it('never goes below 2 or above the sample size', () => {
    expect(defaultClusters(2, 1, 256)).toBe(2);
    expect(defaultClusters(3, 40, 256)).toBe(2);
  });

  it('measures subspaces on the rotated (padded) width', () => {
    expect(subspaceWidth(48, 16, true)).toBe(4); // padded to 64
    expect(subspaceWidth(48, 16, false)).toBe(3);
    expect(subspaceWidth(384, 16, true)).toBe(32);
  });
});

describe('defaultSubspaces', () => {
  it('keeps the configured count while subspaces stay at least 8 dimensions wide', () => {
    expect(defaultSubspaces(128, 16, true)).toBe(16);
    expect(defaultSubspaces(784, 16, true)).toBe(16); // padded to 1024: 64-d slices
    // Fashion-MNIST (784-d, 10,000 samples): 16 × 256, the slice width does not cap it.
    expect(
      defaultClusters(10_000, subspaceWidth(784, defaultSubspaces(784, 16, true), true), 256),
    ).toBe(256);
    // 128-d image vectors: 16 slices of 8 → 16 × 128.
    expect(
      defaultClusters(10_000, subspaceWidth(128, defaultSubspaces(128, 16, true), true), 256),
    ).toBe(128);
  });

  it('cuts fewer subspaces for small vectors, on the rotated (padded) width', () => {
    expect(defaultSubspaces(64, 16, true)).toBe(8);
    expect(defaultSubspaces(48, 16, true)).toBe(8); // padded to 64
    expect(defaultSubspaces(48, 16, false)).toBe(6);
    expect(defaultSubspaces(20, 16, false)).toBe(2);
    // 8-d slices allow 128 cells: a 64-d vector on 10,000 samples gets 8 × 128.
    expect(
      defaultClusters(10_000, subspaceWidth(64, defaultSubspaces(64, 16, true), true), 256),
    ).toBe(128);
  });

  it('gives at least one subspace, and never more than asked or than dimensions', () => {
    expect(defaultSubspaces(5, 16, false)).toBe(1);
    expect(defaultSubspaces(1, 16, true)).toBe(1);
    expect(defaultSubspaces(256, 4, true)).toBe(4);
  });
});
