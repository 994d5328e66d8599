import { createHash } from 'node:crypto';
import { sha256Base64Url } from './hash';

describe('sha256Base64Url', () => {
  it('is the unpadded base64url SHA-256 digest', () => {
    // SHA-256("abc"), FIPS 180-2 test vector.
    expect(sha256Base64Url('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(sha256Base64Url('')).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  it('hashes the UTF-8 encoding', () => {
    expect(sha256Base64Url('é')).toBe(
      createHash('sha256')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('base64url'),
    );
  });

  it('never contains padding or non-url-safe characters', () => {
    for (let i = 0; i < 50; i++) expect(sha256Base64Url(String(i))).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
