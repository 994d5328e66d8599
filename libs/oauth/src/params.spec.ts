import { expectOAuthError } from '@latchkey/testing';
import { InvalidRequest } from './errors/oauth-error';
import { readSingleParams } from './params';

describe('readSingleParams', () => {
  it('reads the named parameters and ignores the others', () => {
    expect(
      readSingleParams({ client_id: 'abc', state: 'xyz', unknown: 'u', other: ['a', 'b'] }, [
        'client_id',
        'state',
        'nonce',
      ]),
    ).toEqual({ client_id: 'abc', state: 'xyz' });
  });

  it('treats empty values as absent (RFC 6749 §3.1)', () => {
    const result = readSingleParams({ state: '', nonce: [''], scope: [] }, [
      'state',
      'nonce',
      'scope',
    ]);
    expect(result).toEqual({});
    expect(Object.keys(result)).toEqual([]);
  });

  it('treats undefined values and a missing body as absent', () => {
    expect(readSingleParams({ state: undefined }, ['state'])).toEqual({});
    expect(readSingleParams(undefined, ['state'])).toEqual({});
  });

  it('accepts a list of exactly one value', () => {
    expect(readSingleParams({ state: ['xyz'] }, ['state'])).toEqual({ state: 'xyz' });
  });

  it('keeps values verbatim, whitespace included', () => {
    expect(readSingleParams({ state: ' a b ' }, ['state'])).toEqual({ state: ' a b ' });
  });

  it.each([
    ['two values', ['a', 'b']],
    ['two equal values', ['a', 'a']],
    ['a value and an empty one', ['a', '']],
    ['two empty values', ['', '']],
  ])('rejects a repeated parameter with %s, naming it', (_label, value) => {
    expectOAuthError(
      () => readSingleParams({ redirect_uri: value }, ['client_id', 'redirect_uri']),
      InvalidRequest,
      'invalid_request',
      /^parameter redirect_uri must not be repeated$/,
    );
  });

  it.each([
    ['an object (qs bracket syntax)', { a: 'b' }],
    ['a number', 42],
    ['a boolean', true],
    ['null', null],
    ['a list holding an object', [{ a: 'b' }]],
    ['a nested list', [['a']]],
    ['a list holding undefined', [undefined]],
  ])('rejects %s, naming the parameter', (_label, value) => {
    expectOAuthError(
      () => readSingleParams({ scope: value }, ['scope']),
      InvalidRequest,
      'invalid_request',
      /^parameter scope must be a string$/,
    );
  });

  it('does not read inherited properties', () => {
    const params = Object.create({ state: 'inherited' }) as Record<string, unknown>;
    expect(readSingleParams(params, ['state', 'constructor', 'toString'])).toEqual({});
  });

  it('works on objects without a prototype', () => {
    const params = Object.assign(Object.create(null) as Record<string, unknown>, { state: 's' });
    expect(readSingleParams(params, ['state'])).toEqual({ state: 's' });
  });

  it('ignores repeated parameters that were not asked for', () => {
    expect(readSingleParams({ a: ['1', '2'], b: '3' }, ['b'])).toEqual({ b: '3' });
  });
});
