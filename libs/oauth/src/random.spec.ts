import { randomToken } from './random';

describe('randomToken', () => {
  it('defaults to 256 bits, base64url without padding', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('honours the byte count', () => {
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
    expect(Buffer.from(randomToken(64), 'base64url')).toHaveLength(64);
  });

  it('does not repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => randomToken()));
    expect(tokens.size).toBe(1000);
  });

  it.each([0, 8, 15, 1025, 16.5, Number.NaN, Infinity, -32])(
    'refuses a byte count of %p',
    (bytes) => {
      expect(() => randomToken(bytes)).toThrow(RangeError);
    },
  );
});
