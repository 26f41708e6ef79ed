import { describe, expect, it } from 'vitest';
import { isAuthorized, presentedKey } from '../../src/server/api-key.js';

describe('API key', () => {
  it('reads a bearer token or an x-api-key header', () => {
    expect(presentedKey({ authorization: 'Bearer s3cret' })).toBe('s3cret');
    expect(presentedKey({ 'x-api-key': 'k' })).toBe('k');
    expect(presentedKey({})).toBeNull();
  });

  it('lets everyone in when no key is configured, else only the right key', () => {
    expect(isAuthorized(undefined, null)).toBe(true);
    expect(isAuthorized('s3cret', null)).toBe(false);
    expect(isAuthorized('s3cret', 'wrong')).toBe(false);
    expect(isAuthorized('s3cret', 's3cret')).toBe(true);
  });
});
