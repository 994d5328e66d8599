import {
  detectClientAuthentication,
  JWT_BEARER_CLIENT_ASSERTION_TYPE,
  parseBasicAuthorization,
} from './client-auth';
import { expectOAuthError } from '@latchkey/testing';
import { InvalidClient, InvalidRequest } from './errors/oauth-error';

/** Builds a header the way RFC 6749 §2.3.1 says clients must: form-urlencode, then base64. */
function basic(clientId: string, secret: string, scheme = 'Basic'): string {
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `${scheme} ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

function rawBasic(decoded: string | Buffer): string {
  return `Basic ${Buffer.from(decoded).toString('base64')}`;
}

describe('parseBasicAuthorization', () => {
  it('decodes client_id and secret', () => {
    expect(parseBasicAuthorization(basic('my-client', 's3cret'))).toEqual({
      clientId: 'my-client',
      secret: 's3cret',
    });
  });

  it.each(['Basic', 'basic', 'BASIC', 'bAsIc'])('accepts the scheme spelled %s', (scheme) => {
    expect(parseBasicAuthorization(basic('c', 's', scheme))).toEqual({
      clientId: 'c',
      secret: 's',
    });
  });

  it('tolerates surrounding whitespace and several spaces after the scheme', () => {
    const token = Buffer.from('c:s').toString('base64');
    expect(parseBasicAuthorization(`  Basic   ${token}  `)).toEqual({ clientId: 'c', secret: 's' });
  });

  it('splits at the first colon, so a secret may contain colons', () => {
    expect(parseBasicAuthorization(rawBasic('client:se:cr:et'))).toEqual({
      clientId: 'client',
      secret: 'se:cr:et',
    });
  });

  it('form-urldecodes both parts after base64 (RFC 6749 §2.3.1)', () => {
    expect(parseBasicAuthorization(basic('client:with colon', 'p@ss w%rd+/=:'))).toEqual({
      clientId: 'client:with colon',
      secret: 'p@ss w%rd+/=:',
    });
    expect(parseBasicAuthorization(rawBasic('a+b:c%2Bd'))).toEqual({
      clientId: 'a b',
      secret: 'c+d',
    });
  });

  it('decodes UTF-8', () => {
    expect(parseBasicAuthorization(basic('clïent', 'sécret'))).toEqual({
      clientId: 'clïent',
      secret: 'sécret',
    });
  });

  it.each([
    ['Bearer scheme', 'Bearer abc.def.ghi', /unsupported authorization scheme/],
    ['Digest scheme', 'Digest username="x"', /unsupported authorization scheme/],
    ['a scheme with the prefix Basic', 'Basicc YzpzCg==', /unsupported authorization scheme/],
    ['no space after the scheme', 'BasicYzpz', /unsupported authorization scheme/],
    ['an empty header', '', /unsupported authorization scheme/],
    ['the scheme alone', 'Basic', /missing or not valid base64/],
    ['the scheme and spaces', 'Basic    ', /missing or not valid base64/],
    ['two tokens', 'Basic YzpzCg== YzpzCg==', /missing or not valid base64/],
    ['base64url characters', `Basic ${Buffer.from('c:s??>').toString('base64url')}`, /base64/],
    ['missing padding', 'Basic YzpzMQ', /missing or not valid base64/],
    ['characters outside base64', 'Basic YzpzMQ=!', /missing or not valid base64/],
    ['a tab inside', 'Basic\tYzpzMQ==', /unsupported authorization scheme/],
    ['no colon', rawBasic('client-only'), /client_id:secret/],
    ['an empty client_id', rawBasic(':secret'), /empty client_id/],
    ['an empty secret', rawBasic('client:'), /empty client secret/],
    ['only a colon', rawBasic(':'), /empty client_id/],
    ['invalid UTF-8', rawBasic(Buffer.from([0x63, 0x3a, 0xff, 0xfe])), /UTF-8/],
    ['a malformed escape in client_id', rawBasic('cl%ZZ:secret'), /form-urlencoded client_id/],
    ['a malformed escape in the secret', rawBasic('client:100%'), /form-urlencoded client secret/],
    ['an escape of invalid UTF-8', rawBasic('client:%FF'), /form-urlencoded client secret/],
  ])('rejects %s', (_label, header, pattern) => {
    expectOAuthError(
      () => parseBasicAuthorization(header),
      InvalidClient,
      'invalid_client',
      pattern,
    );
  });

  it('rejects a non-string at runtime', () => {
    expectOAuthError(
      () => parseBasicAuthorization(undefined as unknown as string),
      InvalidClient,
      'invalid_client',
    );
  });
});

describe('detectClientAuthentication', () => {
  const assertion = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjIn0.c2ln';

  describe('client_secret_basic', () => {
    it('is detected from the Authorization header', () => {
      expect(
        detectClientAuthentication({ authorizationHeader: basic('c', 's'), body: {} }),
      ).toEqual({ method: 'client_secret_basic', clientId: 'c', secret: 's' });
    });

    it('allows the same client_id in the body', () => {
      expect(
        detectClientAuthentication({
          authorizationHeader: basic('c', 's'),
          body: { client_id: 'c', grant_type: 'authorization_code' },
        }),
      ).toEqual({ method: 'client_secret_basic', clientId: 'c', secret: 's' });
    });

    it('rejects a different client_id in the body', () => {
      expectOAuthError(
        () =>
          detectClientAuthentication({
            authorizationHeader: basic('c', 's'),
            body: { client_id: 'other' },
          }),
        InvalidRequest,
        'invalid_request',
        /does not match the Authorization header/,
      );
    });

    it('compares the body client_id with the decoded header client_id', () => {
      expect(
        detectClientAuthentication({
          authorizationHeader: basic('a b', 's'),
          body: { client_id: 'a b' },
        }),
      ).toMatchObject({ clientId: 'a b' });
    });

    it('propagates a malformed header as invalid_client', () => {
      expectOAuthError(
        () => detectClientAuthentication({ authorizationHeader: 'Bearer x', body: {} }),
        InvalidClient,
        'invalid_client',
      );
    });
  });

  describe('client_secret_post', () => {
    it('is detected from client_id and client_secret in the body', () => {
      expect(detectClientAuthentication({ body: { client_id: 'c', client_secret: 's' } })).toEqual({
        method: 'client_secret_post',
        clientId: 'c',
        secret: 's',
      });
    });

    it('does not form-decode body values again', () => {
      expect(
        detectClientAuthentication({ body: { client_id: 'c', client_secret: 'a+b%20' } }),
      ).toEqual({ method: 'client_secret_post', clientId: 'c', secret: 'a+b%20' });
    });

    it('requires client_id', () => {
      expectOAuthError(
        () => detectClientAuthentication({ body: { client_secret: 's' } }),
        InvalidClient,
        'invalid_client',
        /without client_id/,
      );
    });
  });

  describe('private_key_jwt', () => {
    it('is detected from client_assertion and its type', () => {
      expect(
        detectClientAuthentication({
          body: {
            client_assertion_type: JWT_BEARER_CLIENT_ASSERTION_TYPE,
            client_assertion: assertion,
          },
        }),
      ).toEqual({ method: 'private_key_jwt', assertion });
    });

    it('carries an optional client_id', () => {
      expect(
        detectClientAuthentication({
          body: {
            client_id: 'c',
            client_assertion_type: JWT_BEARER_CLIENT_ASSERTION_TYPE,
            client_assertion: assertion,
          },
        }),
      ).toEqual({ method: 'private_key_jwt', clientId: 'c', assertion });
    });

    it.each([
      ['a missing type', { client_assertion: assertion }],
      [
        'the SAML type',
        {
          client_assertion: assertion,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
        },
      ],
      [
        'the grant-type URN instead',
        {
          client_assertion: assertion,
          client_assertion_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        },
      ],
      [
        'an upper-cased type',
        {
          client_assertion: assertion,
          client_assertion_type: JWT_BEARER_CLIENT_ASSERTION_TYPE.toUpperCase(),
        },
      ],
    ])('rejects %s', (_label, body) => {
      expectOAuthError(
        () => detectClientAuthentication({ body }),
        InvalidRequest,
        'invalid_request',
        /client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer/,
      );
    });

    it('rejects a type without an assertion', () => {
      expectOAuthError(
        () =>
          detectClientAuthentication({
            body: { client_id: 'c', client_assertion_type: JWT_BEARER_CLIENT_ASSERTION_TYPE },
          }),
        InvalidRequest,
        'invalid_request',
        /client_assertion is required/,
      );
    });
  });

  describe('none', () => {
    it('is detected from a lone client_id', () => {
      expect(detectClientAuthentication({ body: { client_id: 'public-app' } })).toEqual({
        method: 'none',
        clientId: 'public-app',
      });
    });

    it('treats an empty client_secret as absent', () => {
      expect(detectClientAuthentication({ body: { client_id: 'c', client_secret: '' } })).toEqual({
        method: 'none',
        clientId: 'c',
      });
    });

    it('treats a blank Authorization header as absent', () => {
      expect(
        detectClientAuthentication({ authorizationHeader: '  ', body: { client_id: 'c' } }),
      ).toEqual({ method: 'none', clientId: 'c' });
    });
  });

  describe('more than one method', () => {
    it.each([
      ['Basic and client_secret', basic('c', 's'), { client_id: 'c', client_secret: 's' }],
      ['Basic and client_assertion', basic('c', 's'), { client_assertion: assertion }],
      [
        'Basic and client_assertion_type',
        basic('c', 's'),
        { client_assertion_type: JWT_BEARER_CLIENT_ASSERTION_TYPE },
      ],
      [
        'client_secret and client_assertion',
        undefined,
        {
          client_id: 'c',
          client_secret: 's',
          client_assertion: assertion,
          client_assertion_type: JWT_BEARER_CLIENT_ASSERTION_TYPE,
        },
      ],
      ['a malformed header and client_secret', 'Bearer x', { client_id: 'c', client_secret: 's' }],
    ])('rejects %s', (_label, authorizationHeader, body) => {
      expectOAuthError(
        () => detectClientAuthentication({ authorizationHeader, body }),
        InvalidRequest,
        'invalid_request',
        /only one client authentication method/,
      );
    });
  });

  describe('no method', () => {
    it.each([
      ['an empty body', {}],
      ['empty values', { client_id: '', client_secret: '' }],
      ['unrelated parameters', { grant_type: 'client_credentials', scope: 'api' }],
    ])('rejects %s as invalid_client', (_label, body) => {
      expectOAuthError(
        () => detectClientAuthentication({ body }),
        InvalidClient,
        'invalid_client',
        /no client authentication/,
      );
    });

    it('rejects a missing body as invalid_client', () => {
      expectOAuthError(
        () => detectClientAuthentication({ body: undefined }),
        InvalidClient,
        'invalid_client',
      );
    });
  });

  describe('parameter hygiene', () => {
    it.each(['client_id', 'client_secret', 'client_assertion', 'client_assertion_type'])(
      'rejects a repeated %s',
      (name) => {
        expectOAuthError(
          () => detectClientAuthentication({ body: { client_id: 'c', [name]: ['a', 'b'] } }),
          InvalidRequest,
          'invalid_request',
          new RegExp(`parameter ${name} must not be repeated`),
        );
      },
    );

    it('rejects a non-string client_secret', () => {
      expectOAuthError(
        () => detectClientAuthentication({ body: { client_id: 'c', client_secret: { x: '1' } } }),
        InvalidRequest,
        'invalid_request',
        /client_secret must be a string/,
      );
    });
  });
});
