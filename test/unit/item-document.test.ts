import { describe, expect, it } from 'vitest';
import type { StoredItem } from '../../src/domain/item.js';
import { generationMapping } from '../../src/search/elasticsearch/index-mapping.js';
import {
  fromDocument,
  keysDocument,
  modelVersionsOf,
  toDocument,
  toView,
  withDenseVectors,
} from '../../src/search/elasticsearch/item-document.js';

const item: StoredItem = {
  id: 'a1',
  title: 'Red shoe',
  text: null,
  tags: ['shoes'],
  modalities: ['IMAGE', 'TEXT'],
  // float32-exact values: they survive the base64 float32 encoding unchanged.
  vectors: { IMAGE: [3, 4], TEXT: [0, 0, 0] },
  tokens: { IMAGE: ['0-1', '1-2'] },
  modelVersions: { IMAGE: 2 },
};

describe('item documents', () => {
  it('names the per-modality fields after the modality table', () => {
    const doc = toDocument(item);
    expect(doc.image_lsh).toEqual(['0-1', '1-2']);
    expect(doc.image_model_version).toBe(2);
    expect(doc.image_vector).toEqual([0.6, 0.8]);
    expect(Object.keys(doc.vectors ?? {}).sort()).toEqual(['image', 'text']);
    // Not hashed yet: no tokens, no version; a zero vector has no dense field (ES refuses it).
    expect(doc).not.toHaveProperty('text_lsh');
    expect(doc).not.toHaveProperty('text_model_version');
    expect(doc).not.toHaveProperty('text_vector');
  });

  it('reads back the item it was made from', () => {
    expect(fromDocument(toDocument(item))).toEqual(item);
    expect(modelVersionsOf(toDocument(item))).toEqual({ IMAGE: 2 });
  });

  it('restores the dense vectors a document read from `_source` lacks', () => {
    const { image_vector: _dropped, ...fromSource } = toDocument(item);
    expect(fromSource).not.toHaveProperty('image_vector');
    const restored = withDenseVectors(fromSource);
    expect(restored.image_vector).toEqual([0.6, 0.8]);
    expect(restored).not.toHaveProperty('text_vector');
  });
});

describe('generation mapping', () => {
  it('maps each modality to a token keyword, a version integer and a flat vector', () => {
    const mapping = generationMapping({ IMAGE: 3 });
    const properties = mapping.properties ?? {};
    for (const key of ['image', 'text']) {
      expect(properties[`${key}_lsh`]).toEqual({ type: 'keyword' });
      expect(properties[`${key}_model_version`]).toEqual({ type: 'integer' });
      expect(properties[`${key}_vector`]).toMatchObject({
        type: 'dense_vector',
        index_options: { type: 'flat' },
      });
    }
    expect(mapping._source).toEqual({ excludes: ['image_vector', 'text_vector'] });
    expect(mapping._meta).toEqual({ model_versions: { IMAGE: 3 } });
  });
});

describe('dense vectors in the bulk body', () => {
  it('are written with float32 precision, never 17 significant digits', () => {
    const vector = Array.from({ length: 64 }, (_, i) => Math.sin(i + 1) / 3);
    const doc = toDocument({ ...item, vectors: { IMAGE: vector } });
    const json = JSON.stringify(doc.image_vector);
    const digits = (json.match(/[0-9.e+-]+/g) ?? []).map(
      (n) => n.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length,
    );
    expect(digits).toHaveLength(64);
    expect(Math.max(...digits)).toBeLessThanOrEqual(9);
    const read = withDenseVectors({ ...doc, image_vector: undefined });
    expect(JSON.stringify(read.image_vector).length).toBeLessThanOrEqual(json.length + 64);
    read.image_vector!.forEach((v, i) => expect(v).toBeCloseTo(doc.image_vector![i]!, 6));
  });
});

describe('keysDocument', () => {
  it('reads id, modalities in canonical order and model versions from doc values', () => {
    const doc = keysDocument({
      id: ['a1'],
      modalities: ['TEXT', 'IMAGE'],
      image_model_version: [3],
    });
    expect(toView(doc)).toEqual({
      id: 'a1',
      title: null,
      text: null,
      tags: [],
      modalities: ['IMAGE', 'TEXT'],
    });
    expect(modelVersionsOf(doc)).toEqual({ IMAGE: 3 });
  });

  it('refuses a hit without its id, which would shift the page silently', () => {
    expect(() => keysDocument({ modalities: ['IMAGE'] })).toThrow(/no id/);
  });
});
