import { describe, expect, it } from 'vitest';
import { model, useBackend } from './helpers.js';

describe('EmbeddedBackend models', () => {
  const t = useBackend();

  it('keeps versions immutable: creating an existing version returns false', async () => {
    const models = t.backend.models;
    expect(await models.create(model('IMAGE', 1))).toBe(true);
    expect(await models.create(model('IMAGE', 1))).toBe(false);
    expect(await models.create(model('TEXT', 1))).toBe(true);
    expect(await models.create(model('IMAGE', 2))).toBe(true);

    const listed = await models.list();
    expect(listed.map((m) => [m.modality, m.version])).toEqual([
      ['IMAGE', 2],
      ['IMAGE', 1],
      ['TEXT', 1],
    ]);
    expect((await models.list('TEXT')).map((m) => m.version)).toEqual([1]);
    expect(await models.get('IMAGE', 2)).toEqual(model('IMAGE', 2));
    expect(await models.get('TEXT', 9)).toBeNull();

    // Reads are copies.
    listed[0]!.model.dim = 99;
    expect((await models.get('IMAGE', 2))?.model.dim).toBe(4);
  });

  it('holds one active version per modality', async () => {
    expect((await t.backend.generation()).versions).toEqual({});
    t.backend.models.activate('IMAGE', 1);
    t.backend.models.activate('IMAGE', 2);
    t.backend.models.activate('TEXT', 1);
    expect((await t.backend.generation()).versions).toEqual({ IMAGE: 2, TEXT: 1 });
  });
});
