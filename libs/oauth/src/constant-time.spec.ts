import { constantTimeEqual } from './constant-time';

describe('constantTimeEqual', () => {
  it('is true for equal strings', () => {
    expect(constantTimeEqual('secret', 'secret')).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('ünïcödé', 'ünïcödé')).toBe(true);
  });

  it('is false for different strings of the same length', () => {
    expect(constantTimeEqual('secret', 'secreT')).toBe(false);
  });

  it('is false, without throwing, for strings of different lengths', () => {
    expect(constantTimeEqual('secret', 'secret1')).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
    expect(constantTimeEqual('a'.repeat(10_000), 'a')).toBe(false);
  });

  it('does not normalise Unicode (canonically equivalent strings differ)', () => {
    expect(constantTimeEqual('e\u0301', '\u00e9')).toBe(false);
  });

  it('is false when either side is not a string at runtime', () => {
    expect(constantTimeEqual(null as unknown as string, 'x')).toBe(false);
    expect(constantTimeEqual('x', undefined as unknown as string)).toBe(false);
    expect(constantTimeEqual(undefined as unknown as string, undefined as unknown as string)).toBe(
      false,
    );
  });
});
