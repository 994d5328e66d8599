import { InvalidClient, InvalidRequest, NotFound } from '../errors/oauth-error';
import {
  checkRequestInput,
  hasLoneSurrogate,
  isFieldText,
  isIdentifierText,
  isPositiveBigintText,
  isStorableInstant,
  isUtf8FormText,
  jsonNestsDeeperThan,
  MAX_JSON_DEPTH,
} from './index';

const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;

describe('text a field may hold', () => {
  it.each(['plain', 'ünïcödé', '😀 paired surrogates', 'line\nbreak', 'tab\tbed', '\uFFFD'])(
    'free text holds %j',
    (value) => expect(isFieldText(value)).toBe(true),
  );

  it.each(['a\u0000b', 'bell\u0007', 'esc\u001b', 'del\u007f', 'x\uD800', '\uDC00y', '\uDBFF'])(
    'free text refuses %j',
    (value) => expect(isFieldText(value)).toBe(false),
  );

  it.each(['a\tb', 'a\nb', 'a\rb', 'a\u0000b', 'a\uD83D'])('an identifier refuses %j', (value) =>
    expect(isIdentifierText(value)).toBe(false),
  );

  it('a surrogate pair is not lone; either half alone is', () => {
    expect(hasLoneSurrogate('\uD83D\uDE00')).toBe(false);
    expect(hasLoneSurrogate('\uDE00\uD83D')).toBe(true);
  });
});

describe('percent-encoded UTF-8', () => {
  it.each(['a=b&c=d', 'a=%C3%BC', 'a=%F0%9F%98%80', 'a=100%25', 'plus=a+b'])('%s is', (text) =>
    expect(isUtf8FormText(text)).toBe(true),
  );

  it.each(['a=%FF', 'a=%C3', 'a=%ED%A0%80', '%FF=x', 'a=%'])('%s is not', (text) =>
    expect(isUtf8FormText(text)).toBe(false),
  );
});

describe('JSON depth', () => {
  const nested = (depth: number) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);

  it(`allows ${MAX_JSON_DEPTH} levels and refuses one more`, () => {
    expect(jsonNestsDeeperThan(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonNestsDeeperThan(nested(MAX_JSON_DEPTH + 1))).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(Buffer.from(`{"a":"\\"${'['.repeat(100)}"}`))).toBe(false);
  });

  it('counts objects and arrays alike', () => {
    expect(jsonNestsDeeperThan(Buffer.from('{"a":[{"b":[1]}]}'), 3)).toBe(true);
  });
});

describe('ranges the database holds', () => {
  it.each([
    ['1', true],
    ['9223372036854775807', true],
    ['9223372036854775808', false],
    ['9999999999999999999', false],
    ['0', false],
    ['01', false],
  ])('bigint %s: %s', (text, ok) => expect(isPositiveBigintText(text)).toBe(ok));

  it.each([
    ['0001-01-01T00:00:00Z', true],
    ['9999-12-31T23:59:59Z', true],
    ['0000-01-01', false],
    ['+010000-01-01T00:00:00Z', false],
    ['not a date', false],
  ])('instant %s: %s', (text, ok) => expect(isStorableInstant(new Date(text))).toBe(ok));
});

describe('checkRequestInput', () => {
  const check = (input: Partial<Parameters<typeof checkRequestInput>[0]>) => () =>
    checkRequestInput({ path: '/', query: '', ...input });

  it('lets ordinary requests through', () => {
    expect(
      check({
        path: '/admin/resources/https%3A%2F%2Fapi.example.test',
        query: 'client_id=app&state=%C3%BC+x',
        body: { client_name: 'App', jwks: { keys: [{ kid: 'k1' }] }, note: 'two\nlines' },
        authorization: basic('app:s%C3%BCcret'),
      }),
    ).not.toThrow();
  });

  it('a path segment no id can hold names nothing', () => {
    expect(check({ path: '/admin/users/a%00b' })).toThrow(NotFound);
    expect(check({ path: '/admin/users/%FF' })).toThrow(NotFound);
  });

  it.each(['client_id=a%00b', 'username=a%09b', 'state=a%00', 'x=%FF', 'a%00=1', 'x=%ED%B0%80'])(
    'the query %s is invalid_request',
    (query) => expect(check({ query })).toThrow(InvalidRequest),
  );

  it.each([
    { client_name: 'bad \uD800' },
    { jwks: { keys: [{ kid: 'x\uDC00' }] } },
    { 'a\u0000': 'x' },
    { username: 'tab\there' },
    { list: ['ok', 'nul\u0000'] },
  ])('the body %j is invalid_request', (body) => {
    expect(check({ body })).toThrow(InvalidRequest);
  });

  it('an undecodable body is invalid_request', () => {
    expect(check({ bodyUndecodable: true })).toThrow(InvalidRequest);
  });

  it.each(['a\u0000b:secret', 'a%00b:secret', 'app:se\u0000cret', 'a%0Ab:secret'])(
    'Basic credentials %j are invalid_client',
    (pair) => expect(check({ authorization: basic(pair) })).toThrow(InvalidClient),
  );

  it('leaves other authorization schemes to their endpoints', () => {
    expect(check({ authorization: 'Bearer abc' })).not.toThrow();
  });

  it('never echoes a parameter name it does not know', () => {
    expect(check({ query: 'zqprobe=%00' })).toThrow(/: a parameter holds/);
  });
});
