import type { ClaimScopesCache } from '@latchkey/registry-client';
import { expect } from '@jest/globals';
import { expectOAuthRejection, RecordingAuditClient } from '@latchkey/testing';
import type { ResourceView } from '@latchkey/contracts';
import {
  InvalidRequest,
  InvalidScope,
  InvalidTarget,
  OAuthError,
  TemporarilyUnavailable,
  UnauthorizedClient,
} from '@latchkey/oauth';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { AccessTokenSigner } from '../access-tokens/access-token.signer';
import { AudienceResolver } from '../access-tokens/audience.resolver';
import { FixedClock } from '@latchkey/core';
import type { TokenClient } from '../clients/client-record';
import type { ResourcesCache } from '@latchkey/registry-client';
import { clientRecord, resourceView } from '../fixtures/registry.fixture';
import { fakeSigningKeys } from '../fixtures/signing-keys.fixture';
import { ClientCredentialsGrant } from './client-credentials.grant';
import type { GrantContext } from './grant-handler';

const ISSUER = 'https://id.example.com';
const ORDERS = 'https://orders.example.com';
const BILLING = 'https://billing.example.com';

describe('client_credentials', () => {
  const clock = new FixedClock(new Date('2025-06-01T12:00:00Z'));
  const nowSeconds = Date.parse('2025-06-01T12:00:00Z') / 1000;
  let grant: ClientCredentialsGrant;
  let jwks: JSONWebKeySet;
  let kid: string;
  let resources: ResourceView[];
  let resourceLookups: number;
  const audit = new RecordingAuditClient('token');

  beforeAll(async () => {
    const fake = await fakeSigningKeys();
    jwks = fake.jwks;
    kid = fake.active.kid;
    const cache = {
      all: async () => {
        resourceLookups += 1;
        return resources;
      },
    } as unknown as ResourcesCache;
    grant = new ClientCredentialsGrant(
      new AudienceResolver(cache, { all: async () => new Map() } as unknown as ClaimScopesCache, {
        issuer: ISSUER,
      }),
      new AccessTokenSigner(fake.keys, clock, { issuer: ISSUER }),
      audit,
    );
  });

  beforeEach(() => {
    resourceLookups = 0;
    resources = [
      resourceView({ identifier: ORDERS, scopes: ['orders:read', 'orders:write'] }),
      resourceView({ identifier: BILLING, scopes: ['billing:read'], access_token_lifetime: 600 }),
    ];
  });

  const client = (overrides: Partial<TokenClient> = {}) =>
    clientRecord({ scope: 'orders:read orders:write billing:read', ...overrides });

  const run = (params: Record<string, string | string[]>, c: TokenClient = client()) =>
    grant.handle({
      client: c,
      method: 'client_secret_basic',
      params: { grant_type: 'client_credentials', ...params },
      request: { params },
    } as GrantContext);

  const claimsOf = async (token: string, audience: string) =>
    (
      await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience,
        typ: 'at+jwt',
        algorithms: ['RS256'],
        currentDate: clock.now(),
      })
    ).payload;

  const rejects = (
    promise: Promise<unknown>,
    errorClass: new (d?: string) => OAuthError,
    code: string,
    pattern?: RegExp,
  ) => expectOAuthRejection(promise, errorClass, code, pattern);

  describe('the audit event', () => {
    it('records token.issued with the client, scope, audience and jti, never the token', async () => {
      audit.events.length = 0;
      const response = await grant.handle({
        client: client(),
        method: 'client_secret_basic',
        params: { grant_type: 'client_credentials', scope: 'orders:read', resource: ORDERS },
        request: { params: {}, ip: '198.51.100.4', user_agent: 'svc/1.0' },
      } as GrantContext);
      const { jti } = await claimsOf(response.access_token, ORDERS);
      expect(audit.events).toEqual([
        expect.objectContaining({
          source: 'https://id.example.test/token',
          type: 'token.issued',
          subject: 'svc-client',
          data: {
            actor: { type: 'client', id: 'svc-client' },
            client_id: 'svc-client',
            grant_type: 'client_credentials',
            scope: 'orders:read',
            aud: ORDERS,
            jti,
            ip: '198.51.100.4',
            user_agent: 'svc/1.0',
          },
        }),
      ]);
      expect(JSON.stringify(audit.events)).not.toContain(response.access_token);
    });

    it('issues no token when the event cannot be recorded (fail closed)', async () => {
      audit.fail = new TemporarilyUnavailable();
      try {
        await rejects(run({ resource: ORDERS }), TemporarilyUnavailable, 'temporarily_unavailable');
      } finally {
        audit.fail = undefined;
      }
    });
  });

  describe('the issued token', () => {
    it('is an RFC 9068 JWT for the client itself, verifiable with the service JWKS', async () => {
      const response = await run({ scope: 'orders:read', resource: ORDERS });
      expect(response).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'orders:read',
      });
      expect(response).not.toHaveProperty('refresh_token');
      expect(decodeProtectedHeader(response.access_token)).toEqual({
        alg: 'RS256',
        kid,
        typ: 'at+jwt',
      });
      expect(await claimsOf(response.access_token, ORDERS)).toEqual({
        iss: ISSUER,
        sub: 'svc-client',
        aud: ORDERS,
        client_id: 'svc-client',
        scope: 'orders:read',
        iat: nowSeconds,
        exp: nowSeconds + 900,
        jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      });
    });
  });

  describe('scope', () => {
    it('grants a requested subset of the registered scopes', async () => {
      const response = await run({ scope: 'orders:write  orders:read', resource: ORDERS });
      expect(response.scope).toBe('orders:write orders:read');
    });

    it('refuses a scope the client is not registered for', () =>
      rejects(
        run({ scope: 'orders:read orders:delete', resource: ORDERS }),
        InvalidScope,
        'invalid_scope',
        /^scope not allowed for this client$/,
      ));

    it.each(['openid', 'profile', 'email', 'address', 'phone', 'offline_access'])(
      'never grants the OpenID Connect scope %s, even to a client registered for it',
      (oidc) =>
        rejects(
          run({ scope: `orders:read ${oidc}` }, client({ scope: `orders:read ${oidc}` })),
          InvalidScope,
          'invalid_scope',
          new RegExp(`end-user: ${oidc}`),
        ),
    );

    it('refuses a blank or malformed scope', async () => {
      await rejects(run({ scope: '   ' }), InvalidScope, 'invalid_scope', /at least one/);
      await rejects(run({ scope: 'orders:read "x"' }), InvalidScope, 'invalid_scope');
    });

    it('refuses a repeated scope parameter', () =>
      rejects(
        run({ scope: ['orders:read', 'orders:read'] }),
        InvalidRequest,
        'invalid_request',
        /scope must not be repeated/,
      ));

    it('without scope, grants the registered API scopes (never the OIDC ones), for their resources', async () => {
      const c = client({ scope: 'openid orders:read profile billing:read offline_access' });
      const response = await run({}, c);
      expect(response.scope).toBe('orders:read billing:read');
      const claims = await claimsOf(response.access_token, ORDERS);
      expect(claims.aud).toEqual([ORDERS, BILLING]);
      expect(claims.scope).toBe('orders:read billing:read');
    });

    it('without scope, grants admin alone, for the issuer alone', async () => {
      const response = await run({}, client({ scope: 'admin orders:read' }));
      expect(response.scope).toBe('admin');
      expect((await claimsOf(response.access_token, ISSUER)).aud).toBe(ISSUER);
    });

    it('without scope, leaves admin out for a client whose default resource is an API', async () => {
      const c = client({ scope: 'admin orders:read', default_resource: ORDERS });
      const response = await run({}, c);
      expect(response.scope).toBe('orders:read');
      expect((await claimsOf(response.access_token, ORDERS)).aud).toBe(ORDERS);
    });

    it('refuses admin together with another scope', () =>
      rejects(
        run({ scope: 'admin orders:read' }, client({ scope: 'admin orders:read' })),
        InvalidScope,
        'invalid_scope',
        /admin is granted alone/,
      ));

    it('refuses a requested scope that no resource defines (it is granted nowhere)', () =>
      rejects(
        run({ scope: 'orders:read legacy' }, client({ scope: 'orders:read legacy' })),
        InvalidScope,
        'invalid_scope',
        /^scope not defined by a registered resource$/,
      ));

    it("without scope, narrows them to the resource's own scopes", async () => {
      const response = await run({ resource: BILLING });
      expect(response.scope).toBe('billing:read');
    });

    it('without scope, refuses a resource the client holds no scope of', () =>
      rejects(
        run({ resource: BILLING }, client({ scope: 'orders:read' })),
        InvalidTarget,
        'invalid_target',
        /may not use this resource/,
      ));

    it('without scope, refuses its default resource when it holds no scope of it', () =>
      rejects(
        run({}, client({ scope: 'orders:read', default_resource: BILLING })),
        InvalidScope,
        'invalid_scope',
        /no scope of this resource/,
      ));

    it('issues a token without scope to a client registered for none (audience: issuer)', async () => {
      const response = await run({}, client({ scope: undefined }));
      expect(response).not.toHaveProperty('scope');
      expect(await claimsOf(response.access_token, ISSUER)).not.toHaveProperty('scope');
    });

    it('refuses a scope the requested resource does not define', () =>
      rejects(
        run({ scope: 'orders:read billing:read', resource: ORDERS }),
        InvalidScope,
        'invalid_scope',
        /^scope not defined by the requested resource$/,
      ));

    it('grants admin only for the issuer', async () => {
      const admin = client({ scope: 'admin orders:read' });
      const response = await run({ scope: 'admin' }, admin);
      expect((await claimsOf(response.access_token, ISSUER)).scope).toBe('admin');
      resources.push(resourceView({ identifier: ORDERS, scopes: ['orders:read', 'admin'] }));
      resources.shift();
      await rejects(
        run({ scope: 'admin', resource: ORDERS }, admin),
        InvalidScope,
        'invalid_scope',
        /admin is only granted for the issuer/,
      );
      await rejects(
        run({ scope: 'admin' }, { ...admin, default_resource: ORDERS }),
        InvalidScope,
        'invalid_scope',
        /admin is only granted for the issuer/,
      );
    });
  });

  describe('audience', () => {
    it('is the requested resource', async () => {
      const response = await run({ resource: ORDERS });
      expect((await claimsOf(response.access_token, ORDERS)).aud).toBe(ORDERS);
    });

    it("is the client's default_resource without a resource parameter", async () => {
      const response = await run({}, client({ default_resource: BILLING }));
      expect((await claimsOf(response.access_token, BILLING)).aud).toBe(BILLING);
      expect(response.scope).toBe('billing:read');
    });

    it('prefers the resource parameter over the default_resource', async () => {
      const response = await run({ resource: ORDERS }, client({ default_resource: BILLING }));
      expect((await claimsOf(response.access_token, ORDERS)).aud).toBe(ORDERS);
    });

    it('without resource, is the resource whose scope is requested (RFC 9068)', async () => {
      const response = await run({ scope: 'orders:read' });
      expect((await claimsOf(response.access_token, ORDERS)).aud).toBe(ORDERS);
      expect(response.scope).toBe('orders:read');
    });

    it('without resource, is every resource whose scopes are requested', async () => {
      const response = await run({ scope: 'billing:read orders:write' });
      expect((await claimsOf(response.access_token, BILLING)).aud).toEqual([BILLING, ORDERS]);
      expect(resourceLookups).toBe(1);
    });

    it('accepts the issuer itself as resource, for no API scope', async () => {
      const response = await run({ resource: ISSUER });
      expect((await claimsOf(response.access_token, ISSUER)).aud).toBe(ISSUER);
      expect(response).not.toHaveProperty('scope');
      await rejects(
        run({ resource: ISSUER, scope: 'orders:read' }),
        InvalidScope,
        'invalid_scope',
        /^scope not defined by the requested resource$/,
      );
    });

    it('refuses a resource the client holds no scope of', () =>
      rejects(
        run({ resource: BILLING, scope: 'orders:read' }, client({ scope: 'orders:read' })),
        InvalidTarget,
        'invalid_target',
        /may not use this resource/,
      ));

    it('refuses an unregistered resource', () =>
      rejects(
        run({ resource: 'https://unknown.example.com' }),
        InvalidTarget,
        'invalid_target',
        /not a registered resource/,
      ));

    it('matches the identifier exactly', () =>
      rejects(run({ resource: `${ORDERS}/` }), InvalidTarget, 'invalid_target'));

    it('refuses a default_resource that is no longer registered', () =>
      rejects(
        run({}, client({ default_resource: 'https://deleted.example.com' })),
        InvalidTarget,
        'invalid_target',
        /not a registered resource/,
      ));

    it.each([
      ['a relative URI', '/orders', /absolute URI/],
      ['a fragment', `${ORDERS}#part`, /fragment/],
    ])('refuses a resource with %s', (_label, resource, pattern) =>
      rejects(run({ resource }), InvalidTarget, 'invalid_target', pattern),
    );

    it('refuses several resources (one per request is supported)', () =>
      rejects(
        run({ resource: [ORDERS, BILLING] }),
        InvalidTarget,
        'invalid_target',
        /only one resource per request is supported/,
      ));
  });

  describe('lifetime', () => {
    it("is the client's access_token_lifetime first", async () => {
      const response = await run({ resource: BILLING }, client({ access_token_lifetime: 120 }));
      expect(response.expires_in).toBe(120);
      expect((await claimsOf(response.access_token, BILLING)).exp).toBe(nowSeconds + 120);
    });

    it("then the resource's", async () => {
      const response = await run({ resource: BILLING });
      expect(response.expires_in).toBe(600);
      expect((await claimsOf(response.access_token, BILLING)).exp).toBe(nowSeconds + 600);
    });

    it('then the shortest of its resources', async () => {
      const response = await run({});
      expect(response.expires_in).toBe(600);
    });

    it('then 3600 seconds', async () => {
      const response = await run({}, client({ scope: undefined }));
      expect(response.expires_in).toBe(3600);
      expect((await claimsOf(response.access_token, ISSUER)).exp).toBe(nowSeconds + 3600);
    });
  });

  it('refuses a public client with unauthorized_client', () =>
    rejects(
      run({}, client({ token_endpoint_auth_method: 'none' })),
      UnauthorizedClient,
      'unauthorized_client',
      /public clients/,
    ));
});
