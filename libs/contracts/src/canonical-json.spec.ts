import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('gives the same string whatever the key order the value was built or parsed in', () => {
    const one = { type: 'token.issued', data: { sub: 'u', client_id: 'c' }, id: '1' };
    const two: unknown = JSON.parse(
      '{"id":"1","data":{"client_id":"c","sub":"u"},"type":"token.issued"}',
    );
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('sorts by UTF-16 code units (RFC 8785), not by locale', () => {
    // "Z" (0x5A) < "a" (0x61) < "é" (0xE9) < "😀" (0xD83D...) < "ﬀ" (0xFB00).
    const value = { ﬀ: 5, a: 2, '😀': 4, Z: 1, é: 3 };
    expect(canonicalJson(value)).toBe('{"Z":1,"a":2,"é":3,"😀":4,"ﬀ":5}');
  });

  it('writes strings and numbers as JSON.stringify does (RFC 8785 serialisation)', () => {
    expect(canonicalJson(['line\nbreak "quoted" \\ \u0001', 1e21, 0.1 + 0.2, -0, 1.5e-7])).toBe(
      '["line\\nbreak \\"quoted\\" \\\\ \\u0001",1e+21,0.30000000000000004,0,1.5e-7]',
    );
  });

  it('drops undefined members and writes undefined array items as null, as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe(
      JSON.stringify({ a: undefined, b: [undefined, 1] }),
    );
  });

  it('uses toJSON, as JSON does (dates)', () => {
    expect(canonicalJson({ at: new Date('2030-01-01T00:00:00Z') })).toBe(
      '{"at":"2030-01-01T00:00:00.000Z"}',
    );
  });

  it('round-trips: parsing the output and writing it again changes nothing', () => {
    const text = canonicalJson({ z: [{ b: 2, a: 1 }], a: 'é\u2028', n: 12.5 });
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  it.each([
    ['NaN', NaN, '$: NaN is not valid JSON'],
    ['Infinity', { a: [Infinity] }, '$.a[0]: Infinity is not valid JSON'],
    ['a BigInt', { n: 10n }, '$.n: a bigint is not valid JSON'],
    ['a function', { f: () => 1 }, '$.f: a function is not valid JSON'],
    ['a symbol', [Symbol('s')], '$[0]: a symbol is not valid JSON'],
  ])('refuses %s instead of changing it', (_name, value, message) => {
    expect(() => canonicalJson(value)).toThrow(new TypeError(message));
  });
});
