import { createHash } from 'node:crypto';
import { computeTokenHash, tokenHashAlgorithm } from './token-hash';

describe('computeTokenHash (at_hash / c_hash)', () => {
  it('matches the OIDC Core example (at_hash of an RS256 ID Token, Appendix A.3)', () => {
    expect(computeTokenHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'RS256')).toBe(
      '77QmUPtjPfzWtF2AnpK9RQ',
    );
  });

  it('uses SHA-512 for EdDSA (Ed25519), as the OpenID Foundation settled (connect issue 1125)', () => {
    expect(computeTokenHash('dNZX1hEZ9wBCzNL40Upu646bdzQA', 'EdDSA')).toBe(
      '8xltSlOGYrWy8W9yNvRlEth1i_bXW-JROWPLvCv5zog',
    );
  });

  it('matches the OIDC Core example c_hash (Appendix A.4)', () => {
    expect(
      computeTokenHash('Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk', 'RS256'),
    ).toBe('LDktKdoQak3Pk0cnXxCltA');
  });

  it.each([
    ['RS256', 'sha256', 16],
    ['ES256', 'sha256', 16],
    ['PS256', 'sha256', 16],
    ['RS384', 'sha384', 24],
    ['ES512', 'sha512', 32],
    ['EdDSA', 'sha512', 32],
  ])('for %s takes the left half of %s', (alg, hash, bytes) => {
    const token = 'an-access-token';
    const expected = createHash(hash)
      .update(token)
      .digest()
      .subarray(0, bytes)
      .toString('base64url');
    expect(computeTokenHash(token, alg)).toBe(expected);
    expect(Buffer.from(computeTokenHash(token, alg), 'base64url')).toHaveLength(bytes);
  });

  it('differs between EdDSA (SHA-512) and RS256 (SHA-256)', () => {
    expect(computeTokenHash('t', 'EdDSA')).not.toBe(computeTokenHash('t', 'RS256'));
  });

  it.each(['none', 'HS256', 'rs256', '', 'constructor', '__proto__'])(
    'refuses %j, for which no hash is defined',
    (alg) => {
      expect(tokenHashAlgorithm(alg)).toBeUndefined();
      expect(() => computeTokenHash('t', alg)).toThrow(RangeError);
    },
  );
});
