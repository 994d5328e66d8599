import {
  ClientMetadata,
  LIFETIME_BOUNDS,
  MAX_CLIENT_NAME_LENGTH,
  resourceIndicatorProblem,
  validateClientMetadata,
} from './client-metadata';
import { expectOAuthError } from '@latchkey/testing';
import { InvalidClientMetadata, InvalidRedirectUri } from './errors/oauth-error';

const CB = 'https://app.example.com/cb';

const RSA_KEY = {
  kty: 'RSA',
  kid: 'k1',
  n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri',
  e: 'AQAB',
};
const EC_KEY = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};
const OKP_KEY = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };

function expectMetadataError(input: unknown, pattern: RegExp, existing?: ClientMetadata): void {
  expectOAuthError(
    () => validateClientMetadata(input, { existing }),
    InvalidClientMetadata,
    'invalid_client_metadata',
    pattern,
  );
}

function expectRedirectUriError(input: unknown, pattern: RegExp): void {
  expectOAuthError(
    () => validateClientMetadata(input),
    InvalidRedirectUri,
    'invalid_redirect_uri',
    pattern,
  );
}

describe('validateClientMetadata', () => {
  describe('defaults and normalisation', () => {
    it('fills in the defaults for a minimal web client', () => {
      expect(validateClientMetadata({ redirect_uris: [CB] })).toEqual({
        application_type: 'web',
        redirect_uris: [CB],
        post_logout_redirect_uris: [],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
        skip_consent: false,
      });
    });

    it('keeps every supported field', () => {
      const input = {
        client_name: 'My App',
        application_type: 'web',
        redirect_uris: [CB, 'http://localhost:3000/cb'],
        post_logout_redirect_uris: ['https://app.example.com/bye'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types: ['code'],
        token_endpoint_auth_method: 'private_key_jwt',
        scope: 'openid profile offline_access api:read',
        jwks: { keys: [RSA_KEY, EC_KEY, OKP_KEY] },
        id_token_signed_response_alg: 'EdDSA',
        access_token_lifetime: 600,
        refresh_token_lifetime: 2_592_000,
        id_token_lifetime: 300,
        skip_consent: true,
        backchannel_logout_uri: 'https://app.example.com/logout',
        default_resource: 'https://api.example.com',
      };
      expect(validateClientMetadata(input)).toEqual(input);
    });

    it('gives a client_credentials client no response types and needs no redirect URI', () => {
      expect(validateClientMetadata({ grant_types: ['client_credentials'] })).toMatchObject({
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      });
    });

    it('accepts private-use redirect URIs for native apps', () => {
      const result = validateClientMetadata({
        application_type: 'native',
        redirect_uris: ['com.example.app:/cb', 'http://127.0.0.1/cb'],
        post_logout_redirect_uris: ['com.example.app:/logout'],
        token_endpoint_auth_method: 'none',
      });
      expect(result.redirect_uris).toEqual(['com.example.app:/cb', 'http://127.0.0.1/cb']);
      expect(result.token_endpoint_auth_method).toBe('none');
    });

    it('ignores unknown fields', () => {
      const result = validateClientMetadata({
        redirect_uris: [CB],
        logo_uri: 'https://app.example.com/logo.png',
        software_id: 42,
        extra: { nested: true },
      });
      expect(result).not.toHaveProperty('logo_uri');
      expect(result).not.toHaveProperty('software_id');
      expect(result).not.toHaveProperty('extra');
    });

    it('treats null as absent', () => {
      expect(
        validateClientMetadata({
          redirect_uris: [CB],
          client_name: null,
          scope: null,
          jwks: null,
          grant_types: null,
          skip_consent: null,
          access_token_lifetime: null,
        }),
      ).toEqual(validateClientMetadata({ redirect_uris: [CB] }));
    });

    it('leaves out absent optional fields instead of setting them to undefined', () => {
      const result = validateClientMetadata({ redirect_uris: [CB] });
      expect(Object.keys(result)).not.toContain('client_name');
      expect(Object.keys(result)).not.toContain('jwks_uri');
      expect(Object.values(result)).not.toContain(undefined);
    });

    it('drops duplicate list entries', () => {
      const result = validateClientMetadata({
        redirect_uris: [CB, CB],
        grant_types: ['authorization_code', 'authorization_code'],
        response_types: ['code', 'code'],
      });
      expect(result.redirect_uris).toEqual([CB]);
      expect(result.grant_types).toEqual(['authorization_code']);
      expect(result.response_types).toEqual(['code']);
    });

    it('normalises scope and trims client_name', () => {
      const result = validateClientMetadata({
        redirect_uris: [CB],
        scope: '  openid   profile openid ',
        client_name: '  My App  ',
      });
      expect(result.scope).toBe('openid profile');
      expect(result.client_name).toBe('My App');
    });

    it('omits a scope that holds no tokens', () => {
      expect(validateClientMetadata({ redirect_uris: [CB], scope: ' ' })).not.toHaveProperty(
        'scope',
      );
    });

    it('is not fooled by a __proto__ member', () => {
      const input: unknown = JSON.parse(
        `{"__proto__": {"skip_consent": true, "grant_types": ["client_credentials"]}, "redirect_uris": ["${CB}"]}`,
      );
      const result = validateClientMetadata(input);
      expect(result.skip_consent).toBe(false);
      expect(result.grant_types).toEqual(['authorization_code']);
      expect(({} as Record<string, unknown>).skip_consent).toBeUndefined();
    });

    it('does not return the caller’s arrays', () => {
      const redirect_uris = [CB];
      const result = validateClientMetadata({ redirect_uris });
      expect(result.redirect_uris).not.toBe(redirect_uris);
    });
  });

  describe('shape', () => {
    it.each([[null], [undefined], ['{}'], [42], [true], [[{ redirect_uris: [CB] }]]])(
      'rejects %p as not a JSON object',
      (input) => {
        expectMetadataError(input, /^client metadata must be a JSON object$/);
      },
    );
  });

  describe('wrong JSON types name the field', () => {
    it.each<[string, unknown, RegExp]>([
      ['client_name', 42, /^client_name must be a string$/],
      ['client_name', ['a'], /^client_name must be a string$/],
      ['application_type', 1, /^application_type must be a string$/],
      [
        'post_logout_redirect_uris',
        'https://app.example.com/bye',
        /^post_logout_redirect_uris must be an array of strings$/,
      ],
      ['post_logout_redirect_uris', [1], /^post_logout_redirect_uris must be an array of strings$/],
      ['grant_types', 'authorization_code', /^grant_types must be an array of strings$/],
      ['grant_types', [['authorization_code']], /^grant_types must be an array of strings$/],
      ['grant_types', { 0: 'authorization_code' }, /^grant_types must be an array of strings$/],
      ['response_types', 'code', /^response_types must be an array of strings$/],
      ['response_types', [null], /^response_types must be an array of strings$/],
      ['token_endpoint_auth_method', ['none'], /^token_endpoint_auth_method must be a string$/],
      ['scope', ['openid'], /^scope must be a string$/],
      ['jwks', 'keys', /^jwks must be a JSON Web Key Set object with a keys array$/],
      ['jwks', [RSA_KEY], /^jwks must be a JSON Web Key Set object with a keys array$/],
      ['jwks', { keys: RSA_KEY }, /^jwks must be a JSON Web Key Set object with a keys array$/],
      ['jwks', {}, /^jwks must be a JSON Web Key Set object with a keys array$/],
      ['jwks_uri', { url: 'https://x' }, /^jwks_uri must be a string$/],
      ['id_token_signed_response_alg', 256, /^id_token_signed_response_alg must be a string$/],
      [
        'access_token_lifetime',
        '3600',
        /^access_token_lifetime must be an integer number of seconds$/,
      ],
      [
        'refresh_token_lifetime',
        true,
        /^refresh_token_lifetime must be an integer number of seconds$/,
      ],
      ['id_token_lifetime', [300], /^id_token_lifetime must be an integer number of seconds$/],
      ['skip_consent', 'true', /^skip_consent must be a boolean$/],
      ['skip_consent', 1, /^skip_consent must be a boolean$/],
      [
        'backchannel_logout_uri',
        ['https://app.example.com/l'],
        /^backchannel_logout_uri must be a string$/,
      ],
      ['default_resource', ['https://api.example.com'], /^default_resource must be a string$/],
      ['default_resource', 42, /^default_resource must be a string$/],
    ])('%s = %p', (name, value, pattern) => {
      expectMetadataError({ redirect_uris: [CB], [name]: value }, pattern);
    });

    it.each([['https://app.example.com/cb'], [[42]], [{ 0: CB }], [[CB, null]]])(
      'redirect_uris = %p is invalid_redirect_uri',
      (value) => {
        expectRedirectUriError(
          { redirect_uris: value },
          /^redirect_uris must be an array of strings$/,
        );
      },
    );
  });

  describe('enumerated values', () => {
    it.each<[string, unknown]>([
      ['application_type', 'desktop'],
      ['token_endpoint_auth_method', 'client_secret_jwt'],
      ['token_endpoint_auth_method', 'tls_client_auth'],
      ['token_endpoint_auth_method', 'Client_Secret_Basic'],
      ['id_token_signed_response_alg', 'none'],
      ['id_token_signed_response_alg', 'HS256'],
      ['id_token_signed_response_alg', 'RS512'],
      ['id_token_signed_response_alg', 'rs256'],
    ])('rejects %s = %p, quoting it', (name, value) => {
      expectMetadataError(
        { redirect_uris: [CB], [name]: value },
        new RegExp(`^${name} has the unsupported value '${value as string}'; expected one of `),
      );
    });

    it.each([
      'implicit',
      'password',
      'urn:ietf:params:oauth:grant-type:device_code',
      'AUTHORIZATION_CODE',
    ])('rejects the grant type %s', (grantType) => {
      expectMetadataError(
        { redirect_uris: [CB], grant_types: ['authorization_code', grantType] },
        /^grant_types contains the unsupported value '.+'; supported: authorization_code, refresh_token, client_credentials$/,
      );
    });

    it.each(['token', 'id_token', 'code id_token', 'none', 'CODE'])(
      'rejects the response type %s',
      (responseType) => {
        expectMetadataError(
          { redirect_uris: [CB], response_types: ['code', responseType] },
          /^response_types contains (the|an) unsupported value/,
        );
      },
    );

    it('does not echo values that could break the error_description charset', () => {
      const error = expectOAuthError(
        () => validateClientMetadata({ redirect_uris: [CB], grant_types: ['"x"\\ \n'] }),
        InvalidClientMetadata,
        'invalid_client_metadata',
        /^grant_types contains an unsupported value; supported: /,
      );
      expect(error.description).not.toContain('x');
    });

    it('rejects an empty grant_types list', () => {
      expectMetadataError(
        { grant_types: [] },
        /^grant_types must contain at least one grant type$/,
      );
    });
  });

  describe('redirect URIs', () => {
    it('rejects an invalid redirect URI as invalid_redirect_uri, with its index', () => {
      expectRedirectUriError(
        { redirect_uris: [CB, 'http://app.example.com/cb'] },
        /^redirect_uris\[1\] must use https/,
      );
      expectRedirectUriError(
        { redirect_uris: ['https://app.example.com/#x'] },
        /^redirect_uris\[0\] must not contain a fragment$/,
      );
      expectRedirectUriError(
        { redirect_uris: ['javascript:alert(1)'] },
        /^redirect_uris\[0\] must not use the javascript scheme$/,
      );
    });

    it.each([undefined, 'web'])(
      'rejects private-use schemes for application_type %p',
      (application_type) => {
        expectRedirectUriError(
          { application_type, redirect_uris: ['com.example.app:/cb'] },
          /only allowed for native applications/,
        );
      },
    );

    it('rejects an invalid post-logout redirect URI as invalid_client_metadata', () => {
      expectMetadataError(
        { redirect_uris: [CB], post_logout_redirect_uris: ['http://app.example.com/bye'] },
        /^post_logout_redirect_uris\[0\] must use https/,
      );
      expectMetadataError(
        { redirect_uris: [CB], post_logout_redirect_uris: ['com.example.app:/bye'] },
        /^post_logout_redirect_uris\[0\] must use https \(private-use URI schemes/,
      );
    });

    it('requires a redirect URI for authorization_code', () => {
      expectRedirectUriError(
        {},
        /^grant type authorization_code requires at least one redirect_uri$/,
      );
      expectRedirectUriError(
        { redirect_uris: [] },
        /^grant type authorization_code requires at least one redirect_uri$/,
      );
    });
  });

  describe('grant and response type consistency', () => {
    it('requires response type code with authorization_code', () => {
      expectMetadataError(
        { redirect_uris: [CB], response_types: [] },
        /^grant type authorization_code requires response_types code$/,
      );
    });

    it('requires authorization_code with response type code', () => {
      expectMetadataError(
        { grant_types: ['client_credentials'], response_types: ['code'] },
        /^response type code requires grant type authorization_code$/,
      );
    });

    it('allows refresh_token only alongside authorization_code', () => {
      expectMetadataError(
        { grant_types: ['refresh_token'] },
        /^grant type refresh_token is only allowed together with authorization_code$/,
      );
      expectMetadataError(
        { grant_types: ['client_credentials', 'refresh_token'] },
        /^grant type refresh_token is only allowed together with authorization_code$/,
      );
      expect(
        validateClientMetadata({
          redirect_uris: [CB],
          grant_types: ['authorization_code', 'refresh_token'],
        }).grant_types,
      ).toEqual(['authorization_code', 'refresh_token']);
    });

    it('keeps public clients away from client_credentials', () => {
      expectMetadataError(
        { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
        /^public clients \(token_endpoint_auth_method none\) must not use client_credentials$/,
      );
      expectMetadataError(
        {
          redirect_uris: [CB],
          grant_types: ['authorization_code', 'client_credentials'],
          token_endpoint_auth_method: 'none',
        },
        /must not use client_credentials/,
      );
    });

    it.each(['client_secret_basic', 'client_secret_post'])(
      'lets %s clients use client_credentials',
      (method) => {
        expect(
          validateClientMetadata({
            grant_types: ['client_credentials'],
            token_endpoint_auth_method: method,
          }).token_endpoint_auth_method,
        ).toBe(method);
      },
    );
  });

  describe('jwks and jwks_uri', () => {
    it('accepts jwks_uri over https', () => {
      expect(
        validateClientMetadata({
          redirect_uris: [CB],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: 'https://app.example.com/jwks.json',
        }).jwks_uri,
      ).toBe('https://app.example.com/jwks.json');
    });

    it('accepts jwks without private_key_jwt', () => {
      expect(
        validateClientMetadata({ redirect_uris: [CB], jwks: { keys: [EC_KEY] } }).jwks,
      ).toEqual({
        keys: [EC_KEY],
      });
    });

    it('rejects jwks together with jwks_uri', () => {
      expectMetadataError(
        {
          redirect_uris: [CB],
          jwks: { keys: [RSA_KEY] },
          jwks_uri: 'https://app.example.com/jwks',
        },
        /^jwks and jwks_uri are mutually exclusive$/,
      );
    });

    it('requires a key source for private_key_jwt', () => {
      expectMetadataError(
        { redirect_uris: [CB], token_endpoint_auth_method: 'private_key_jwt' },
        /^token_endpoint_auth_method private_key_jwt requires jwks or jwks_uri$/,
      );
    });

    it.each([
      ['plain http', 'http://app.example.com/jwks', /^jwks_uri must use https$/],
      ['loopback http', 'http://127.0.0.1/jwks', /^jwks_uri must use https$/],
      ['a loopback host', 'https://127.0.0.1/jwks', /^jwks_uri host is a loopback address/],
      ['a private host', 'https://192.168.0.10/jwks', /^jwks_uri host is a private address/],
      ['a fragment', 'https://app.example.com/jwks#k', /^jwks_uri must not contain a fragment$/],
      ['userinfo', 'https://a@app.example.com/jwks', /^jwks_uri must not contain userinfo$/],
      ['a relative URI', '/jwks', /^jwks_uri must be an absolute URI$/],
      ['an empty string', '', /^jwks_uri must be a non-empty string$/],
    ])('rejects a jwks_uri with %s', (_label, jwks_uri, pattern) => {
      expectMetadataError({ redirect_uris: [CB], jwks_uri }, pattern);
    });

    it('rejects an empty key set', () => {
      expectMetadataError(
        { redirect_uris: [CB], jwks: { keys: [] } },
        /^jwks.keys must not be empty$/,
      );
    });

    it.each(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])(
      'rejects a key with the private member %s',
      (member) => {
        expectMetadataError(
          { redirect_uris: [CB], jwks: { keys: [EC_KEY, { ...RSA_KEY, [member]: 'secret' }] } },
          new RegExp(
            `^jwks\\.keys\\[1\\] contains private key members \\(${member}\\); register public keys only$`,
          ),
        );
      },
    );

    it('names every private member found', () => {
      expectMetadataError(
        { redirect_uris: [CB], jwks: { keys: [{ ...RSA_KEY, d: 'x', p: 'y', q: 'z' }] } },
        /\(d, p, q\)/,
      );
    });

    it('rejects a symmetric key', () => {
      expectMetadataError(
        { redirect_uris: [CB], jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
        /^jwks\.keys\[0\] contains private key members \(k\)/,
      );
      expectMetadataError(
        { redirect_uris: [CB], jwks: { keys: [{ kty: 'oct' }] } },
        /^jwks\.keys\[0\]\.kty must be one of RSA, EC, OKP$/,
      );
    });

    it.each<[string, unknown, RegExp]>([
      ['a string', 'key', /^jwks\.keys\[0\] must be a JSON object$/],
      ['null', null, /^jwks\.keys\[0\] must be a JSON object$/],
      ['an array', [RSA_KEY], /^jwks\.keys\[0\] must be a JSON object$/],
      ['no kty', { n: 'x', e: 'AQAB' }, /^jwks\.keys\[0\]\.kty must be one of RSA, EC, OKP$/],
      ['a lower-case kty', { ...RSA_KEY, kty: 'rsa' }, /kty must be one of/],
      ['RSA without n', { kty: 'RSA', e: 'AQAB' }, /^jwks\.keys\[0\]\.n is required for kty RSA$/],
      [
        'RSA with an empty e',
        { kty: 'RSA', n: 'x', e: '' },
        /^jwks\.keys\[0\]\.e is required for kty RSA$/,
      ],
      [
        'EC without y',
        { kty: 'EC', crv: 'P-256', x: 'x' },
        /^jwks\.keys\[0\]\.y is required for kty EC$/,
      ],
      [
        'EC with a numeric crv',
        { ...EC_KEY, crv: 256 },
        /^jwks\.keys\[0\]\.crv is required for kty EC$/,
      ],
      [
        'OKP without x',
        { kty: 'OKP', crv: 'Ed25519' },
        /^jwks\.keys\[0\]\.x is required for kty OKP$/,
      ],
      ['a numeric kid', { ...RSA_KEY, kid: 1 }, /^jwks\.keys\[0\]\.kid must be a string$/],
    ])('rejects a key that is %s', (_label, key, pattern) => {
      expectMetadataError({ redirect_uris: [CB], jwks: { keys: [key] } }, pattern);
    });
  });

  describe('lifetimes', () => {
    it.each(Object.entries(LIFETIME_BOUNDS))('accepts the bounds of %s', (name, { min, max }) => {
      expect(validateClientMetadata({ redirect_uris: [CB], [name]: min })).toHaveProperty(
        name,
        min,
      );
      expect(validateClientMetadata({ redirect_uris: [CB], [name]: max })).toHaveProperty(
        name,
        max,
      );
    });

    it.each(Object.entries(LIFETIME_BOUNDS))(
      'rejects values outside the bounds of %s',
      (name, { min, max }) => {
        for (const value of [0, -1, min - 1, max + 1]) {
          expectMetadataError(
            { redirect_uris: [CB], [name]: value },
            new RegExp(`^${name} must be between ${min} and ${max} seconds$`),
          );
        }
      },
    );

    it.each([1.5, Number.NaN, Infinity, -Infinity, 2 ** 53])(
      'rejects the non-integer %p',
      (value) => {
        expectMetadataError(
          { redirect_uris: [CB], access_token_lifetime: value },
          /^access_token_lifetime must be an integer number of seconds$/,
        );
      },
    );
  });

  describe('backchannel_logout_uri', () => {
    // The server POSTs to it: the outbound URL policy decides (server-side request forgery).
    const LOOPBACK_ALLOWED = { allowPrivate: false, allowedCidrs: ['127.0.0.0/8', '::1/128'] };

    it('accepts an https URI', () => {
      const uri = 'https://app.example.com/logout?x=1';
      expect(
        validateClientMetadata({ redirect_uris: [CB], backchannel_logout_uri: uri })
          .backchannel_logout_uri,
      ).toBe(uri);
    });

    it.each(['http://127.0.0.1:8080/logout', 'http://localhost/logout', 'https://[::1]/logout'])(
      'accepts %s only where the operator allows loopback targets',
      (uri) => {
        expectMetadataError(
          { redirect_uris: [CB], backchannel_logout_uri: uri },
          /^backchannel_logout_uri (must use https|host is a loopback address)/,
        );
        expect(
          validateClientMetadata(
            { redirect_uris: [CB], backchannel_logout_uri: uri },
            { outbound: LOOPBACK_ALLOWED },
          ).backchannel_logout_uri,
        ).toBe(uri);
      },
    );

    it.each([
      ['http://app.example.com/logout', /must use https$/],
      ['https://app.example.com/logout#x', /must not contain a fragment/],
      ['com.example.app:/logout', /must use https$/],
      ['/logout', /must be an absolute URI/],
      ['https://10.0.0.8/logout', /host is a private address/],
      ['https://169.254.169.254/logout', /host is a link-local address/],
      ['https://[fd00::1]/logout', /host is a unique-local address/],
      ['https://100.64.0.1/logout', /host is a shared \(CGNAT\) address/],
      ['https://[::ffff:127.0.0.1]/logout', /host is a loopback address/],
    ])('rejects %s', (uri, pattern) => {
      for (const application_type of ['web', 'native']) {
        expectMetadataError(
          { application_type, redirect_uris: [CB], backchannel_logout_uri: uri },
          new RegExp(`^backchannel_logout_uri ${pattern.source}`),
        );
      }
    });
  });

  describe('default_resource', () => {
    it.each([
      'https://api.example.com',
      'https://api.example.com/v1?tenant=a',
      'http://127.0.0.1:8081/api',
      'http://localhost/api',
    ])('accepts %s', (uri) => {
      expect(
        validateClientMetadata({ grant_types: ['client_credentials'], default_resource: uri })
          .default_resource,
      ).toBe(uri);
    });

    it.each([
      ['http://api.example.com', /must use https; plain http is only allowed/],
      ['https://api.example.com/#v1', /must not contain a fragment/],
      ['api.example.com', /must be an absolute URI/],
      ['/api', /must be an absolute URI/],
      ['', /must be a non-empty string/],
      ['com.example.api:/x', /must use https$/],
      ['urn:example:api', /must use https$/],
      ['https://user@api.example.com', /must not contain userinfo/],
      ['https://api.example.com/a b', /must contain only URI characters/],
    ])('rejects %p as invalid_client_metadata', (uri, pattern) => {
      // native clients get private-use redirect schemes, never a private-use audience
      for (const application_type of ['web', 'native']) {
        expectMetadataError(
          { application_type, grant_types: ['client_credentials'], default_resource: uri },
          new RegExp(`^default_resource ${pattern.source}`),
        );
      }
    });

    it('is absent unless given, and null clears it in an update', () => {
      const withResource = validateClientMetadata({
        grant_types: ['client_credentials'],
        default_resource: 'https://api.example.com',
      });
      expect(validateClientMetadata({ grant_types: ['client_credentials'] })).not.toHaveProperty(
        'default_resource',
      );
      expect(
        validateClientMetadata({ default_resource: null }, { existing: withResource }),
      ).not.toHaveProperty('default_resource');
      expect(
        validateClientMetadata({ client_name: 'x' }, { existing: withResource }).default_resource,
      ).toBe('https://api.example.com');
    });
  });

  describe('resourceIndicatorProblem', () => {
    it('names the problem or returns undefined', () => {
      expect(resourceIndicatorProblem('https://api.example.com')).toBeUndefined();
      expect(resourceIndicatorProblem('https://api.example.com#x')).toBe(
        'must not contain a fragment',
      );
      expect(resourceIndicatorProblem(42)).toBe('must be a non-empty string');
    });
  });

  describe('client_name', () => {
    it.each<[string, string, RegExp]>([
      ['empty', '', /^client_name must not be empty$/],
      ['blank', '   ', /^client_name must not be empty$/],
      [
        'too long',
        'x'.repeat(MAX_CLIENT_NAME_LENGTH + 1),
        /^client_name must be at most 200 characters$/,
      ],
      ['with a newline', 'My\nApp', /^client_name must not contain control or bidi characters$/],
      ['with a NUL', 'My\u0000App', /control or bidi/],
      ['with a C1 control', 'My\u0085App', /control or bidi/],
      ['with a bidi override', 'My \u202eppA', /control or bidi/],
      ['with a bidi isolate', 'My \u2067App', /control or bidi/],
    ])('rejects a name that is %s', (_label, client_name, pattern) => {
      expectMetadataError({ redirect_uris: [CB], client_name }, pattern);
    });

    it('accepts the longest name and non-ASCII letters', () => {
      const long = 'x'.repeat(MAX_CLIENT_NAME_LENGTH);
      expect(validateClientMetadata({ redirect_uris: [CB], client_name: long }).client_name).toBe(
        long,
      );
      expect(
        validateClientMetadata({ redirect_uris: [CB], client_name: 'Zürich Café 東京' })
          .client_name,
      ).toBe('Zürich Café 東京');
    });
  });

  describe('scope', () => {
    it('rejects an invalid scope as invalid_client_metadata naming the field', () => {
      expectMetadataError(
        { redirect_uris: [CB], scope: 'openid "x"' },
        /^scope: scope may only contain/,
      );
      expectMetadataError({ redirect_uris: [CB], scope: 'openid\tprofile' }, /^scope: /);
    });
  });

  describe('updates', () => {
    const existing = validateClientMetadata({
      client_name: 'Old',
      redirect_uris: [CB],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid profile',
      jwks_uri: 'https://app.example.com/jwks',
      access_token_lifetime: 600,
      skip_consent: true,
    });

    it('keeps stored fields the patch does not mention', () => {
      expect(validateClientMetadata({ client_name: 'New' }, { existing })).toEqual({
        ...existing,
        client_name: 'New',
      });
    });

    it('returns the stored metadata for an empty patch', () => {
      expect(validateClientMetadata({}, { existing })).toEqual(existing);
    });

    it('resets a field to its default with null', () => {
      const result = validateClientMetadata(
        { client_name: null, access_token_lifetime: null, skip_consent: null },
        { existing },
      );
      expect(result).not.toHaveProperty('client_name');
      expect(result).not.toHaveProperty('access_token_lifetime');
      expect(result.skip_consent).toBe(false);
    });

    it('re-derives response_types when grant_types changes without them', () => {
      const result = validateClientMetadata({ grant_types: ['client_credentials'] }, { existing });
      expect(result.grant_types).toEqual(['client_credentials']);
      expect(result.response_types).toEqual([]);
    });

    it('validates the merged result as a whole', () => {
      expectMetadataError(
        { token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] },
        /must not use client_credentials/,
        existing,
      );
      expectMetadataError(
        { jwks: { keys: [RSA_KEY] } },
        /^jwks and jwks_uri are mutually exclusive$/,
        existing,
      );
      expectOAuthError(
        () => validateClientMetadata({ redirect_uris: [] }, { existing }),
        InvalidRedirectUri,
        'invalid_redirect_uri',
        /requires at least one redirect_uri/,
      );
    });

    it('swaps jwks_uri for jwks when the patch clears jwks_uri', () => {
      const result = validateClientMetadata(
        { jwks: { keys: [RSA_KEY] }, jwks_uri: null },
        { existing },
      );
      expect(result.jwks).toEqual({ keys: [RSA_KEY] });
      expect(result).not.toHaveProperty('jwks_uri');
    });

    it('rechecks stored redirect URIs against a new application_type', () => {
      const native = validateClientMetadata({
        application_type: 'native',
        redirect_uris: ['com.example.app:/cb'],
      });
      expectOAuthError(
        () => validateClientMetadata({ application_type: 'web' }, { existing: native }),
        InvalidRedirectUri,
        'invalid_redirect_uri',
        /only allowed for native applications/,
      );
    });

    it('still rejects a patch that is not an object', () => {
      expectMetadataError(null, /must be a JSON object/, existing);
    });

    it('does not modify the stored metadata', () => {
      const snapshot = structuredClone(existing);
      validateClientMetadata(
        { client_name: 'New', grant_types: ['authorization_code'] },
        { existing },
      );
      expect(existing).toEqual(snapshot);
    });
  });
});
