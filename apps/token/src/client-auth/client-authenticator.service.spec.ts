import { Logger } from '@nestjs/common';
import { expectOAuthRejection, RecordingAuditClient } from '@latchkey/testing';
import { MemoryKvStore } from '@latchkey/kv';
import {
  InvalidClient,
  InvalidRequest,
  MAX_CLIENT_ID_LENGTH,
  TemporarilyUnavailable,
} from '@latchkey/oauth';
import { FixedClock } from '@latchkey/core';
import type { TokenClient } from '../clients/client-record';
import type { ClientsCache } from '@latchkey/registry-client';
import {
  assertionParams,
  clientKey,
  jwksOf,
  signAssertion,
  type ClientKey,
} from '../fixtures/client-keys.fixture';
import { basicAuthorization, CLIENT_SECRET, clientRecord } from '../fixtures/registry.fixture';
import { ClientAuthenticator } from './client-authenticator.service';
import { ClientKeysResolver } from './client-keys.resolver';

const ISSUER = 'https://id.example.com';

describe('ClientAuthenticator', () => {
  const clock = new FixedClock(Math.floor(Date.now() / 1000) * 1000);
  let key: ClientKey;
  let kv: MemoryKvStore;
  let clients: Map<string, TokenClient>;
  let lookups: string[];
  let authenticator: ClientAuthenticator;
  let audit: RecordingAuditClient;
  let debug: jest.SpyInstance<void, unknown[]>;

  beforeAll(async () => {
    key = await clientKey('ES256');
  });

  beforeEach(() => {
    kv = new MemoryKvStore({ sweepIntervalMs: 0 });
    lookups = [];
    clients = new Map(
      [
        clientRecord({ client_id: 'basic' }),
        clientRecord({ client_id: 'post', token_endpoint_auth_method: 'client_secret_post' }),
        clientRecord({ client_id: 'disabled', disabled: true }),
        clientRecord({
          client_id: 'public',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          secret_hashes: [],
        }),
        clientRecord({
          client_id: 'pkjwt',
          token_endpoint_auth_method: 'private_key_jwt',
          secret_hashes: [],
          jwks: jwksOf(key) as TokenClient['jwks'],
        }),
      ].map((c) => [c.client_id, c]),
    );
    const cache = {
      get: async (id: string) => {
        lookups.push(id);
        return clients.get(id) ?? null;
      },
    } as unknown as ClientsCache;
    audit = new RecordingAuditClient('token');
    authenticator = new ClientAuthenticator(
      cache,
      new ClientKeysResolver(),
      clock,
      kv,
      { issuer: ISSUER },
      audit,
    );
    debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    debug.mockRestore();
    await kv.close();
  });

  const generic = (promise: Promise<unknown>) =>
    expectOAuthRejection(
      promise,
      InvalidClient,
      'invalid_client',
      /^client authentication failed$/,
    );

  const assertionFor = (clientId: string, claims = {}) =>
    signAssertion(key, { clientId, audience: ISSUER, now: clock.nowSeconds(), claims });

  it('authenticates client_secret_basic', async () => {
    const result = await authenticator.authenticate({
      endpoint: 'token',
      authorization: basicAuthorization('basic', CLIENT_SECRET),
      params: { grant_type: 'client_credentials' },
    });
    expect(result.method).toBe('client_secret_basic');
    expect(result.client.client_id).toBe('basic');
  });

  it('authenticates client_secret_post', async () => {
    const result = await authenticator.authenticate({
      endpoint: 'token',
      params: { client_id: 'post', client_secret: CLIENT_SECRET },
    });
    expect(result).toMatchObject({ method: 'client_secret_post', client: { client_id: 'post' } });
  });

  it('authenticates private_key_jwt, with or without client_id', async () => {
    const withId = await authenticator.authenticate({
      endpoint: 'token',
      params: assertionParams(await assertionFor('pkjwt'), { client_id: 'pkjwt' }),
    });
    expect(withId.method).toBe('private_key_jwt');
    const withoutId = await authenticator.authenticate({
      endpoint: 'token',
      params: assertionParams(await assertionFor('pkjwt')),
    });
    expect(withoutId.client.client_id).toBe('pkjwt');
  });

  it('authenticates a public client with none', async () => {
    const result = await authenticator.authenticate({
      endpoint: 'token',
      params: { client_id: 'public' },
    });
    expect(result.method).toBe('none');
  });

  it('refuses two authentication methods with invalid_request', async () => {
    await expectOAuthRejection(
      authenticator.authenticate({
        endpoint: 'token',
        authorization: basicAuthorization('basic', CLIENT_SECRET),
        params: { client_id: 'basic', client_secret: CLIENT_SECRET },
      }),
      InvalidRequest,
      'invalid_request',
      /only one client authentication method/,
    );
    expect(lookups).toEqual([]);
  });

  it('refuses a request without any client authentication with invalid_client', async () => {
    await expectOAuthRejection(
      authenticator.authenticate({
        endpoint: 'token',
        params: { grant_type: 'client_credentials' },
      }),
      InvalidClient,
      'invalid_client',
      /no client authentication/,
    );
  });

  it('refuses a repeated client_id with invalid_request', async () => {
    await expectOAuthRejection(
      authenticator.authenticate({
        endpoint: 'token',
        params: { client_id: ['post', 'post'], client_secret: 'x' },
      }),
      InvalidRequest,
      'invalid_request',
      /must not be repeated/,
    );
  });

  it('gives the same generic invalid_client for an unknown client and a wrong secret', async () => {
    await generic(
      authenticator.authenticate({
        endpoint: 'token',
        authorization: basicAuthorization('nobody', CLIENT_SECRET),
        params: {},
      }),
    );
    await generic(
      authenticator.authenticate({
        endpoint: 'token',
        authorization: basicAuthorization('basic', 'wrong'),
        params: {},
      }),
    );
    const logged = debug.mock.calls.map((call) => String(call[0]));
    expect(logged[0]).toMatch(/unknown client/);
    expect(logged[1]).toMatch(/does not match/);
    expect(logged.join('\n')).not.toContain(CLIENT_SECRET);
    expect(logged.join('\n')).not.toContain('wrong');
  });

  it('refuses a disabled client', async () => {
    await generic(
      authenticator.authenticate({
        endpoint: 'token',
        authorization: basicAuthorization('disabled', CLIENT_SECRET),
        params: {},
      }),
    );
    expect(String(debug.mock.calls[0]?.[0])).toMatch(/disabled/);
  });

  it('takes a secret either way RFC 6749 §2.3.1 allows, whichever the client registered', async () => {
    const inBody = await authenticator.authenticate({
      endpoint: 'token',
      params: { client_id: 'basic', client_secret: CLIENT_SECRET },
    });
    expect(inBody).toMatchObject({ method: 'client_secret_post', client: { client_id: 'basic' } });
    const inHeader = await authenticator.authenticate({
      endpoint: 'token',
      authorization: basicAuthorization('post', CLIENT_SECRET),
      params: {},
    });
    expect(inHeader).toMatchObject({
      method: 'client_secret_basic',
      client: { client_id: 'post' },
    });
  });

  it('refuses a method other than the registered one', async () => {
    // A key-bound client is never downgraded to a secret.
    await generic(
      authenticator.authenticate({
        endpoint: 'token',
        authorization: basicAuthorization('pkjwt', CLIENT_SECRET),
        params: {},
      }),
    );
    expect(String(debug.mock.calls[0]?.[0])).toMatch(/registered for private_key_jwt/);
    // A confidential client presenting only its id.
    await generic(
      authenticator.authenticate({ endpoint: 'token', params: { client_id: 'basic' } }),
    );
    // A public client presenting a secret.
    await generic(
      authenticator.authenticate({
        endpoint: 'token',
        authorization: basicAuthorization('public', 'x'),
        params: {},
      }),
    );
  });

  it('refuses a private_key_jwt assertion for another client than client_id', async () => {
    await generic(
      authenticator.authenticate({
        endpoint: 'token',
        params: assertionParams(await assertionFor('pkjwt'), { client_id: 'basic' }),
      }),
    );
  });

  it('refuses a replayed assertion with the generic invalid_client', async () => {
    const assertion = await assertionFor('pkjwt');
    await authenticator.authenticate({ endpoint: 'token', params: assertionParams(assertion) });
    await generic(
      authenticator.authenticate({ endpoint: 'token', params: assertionParams(assertion) }),
    );
    expect(String(debug.mock.calls[0]?.[0])).toMatch(/already used/);
  });

  it('records each failure as client_authentication.failed, with the reason but no credential', async () => {
    await generic(
      authenticator.authenticate({
        endpoint: 'token',
        authorization: basicAuthorization('basic', 'wrong-secret'),
        params: {},
        ip: '203.0.113.9',
        user_agent: 'curl/8',
      }),
    );
    await generic(
      authenticator.authenticate({ endpoint: 'token', params: { client_id: 'x'.repeat(300) } }),
    );
    const assertion = await assertionFor('pkjwt');
    await authenticator.authenticate({ endpoint: 'token', params: assertionParams(assertion) });
    await generic(
      authenticator.authenticate({ endpoint: 'token', params: assertionParams(assertion) }),
    );
    expect(audit.events.map((event) => [event.type, event.subject, event.data])).toEqual([
      [
        'client_authentication.failed',
        'basic',
        {
          actor: { type: 'client', id: 'basic' },
          client_id: 'basic',
          endpoint: 'token',
          method: 'client_secret_basic',
          reason: 'client secret does not match',
          ip: '203.0.113.9',
          user_agent: 'curl/8',
        },
      ],
      [
        'client_authentication.failed',
        undefined,
        {
          actor: { type: 'anonymous' },
          endpoint: 'token',
          method: 'none',
          reason: 'client_id is missing or too long',
        },
      ],
      [
        'client_authentication.failed',
        'pkjwt',
        {
          actor: { type: 'client', id: 'pkjwt' },
          client_id: 'pkjwt',
          endpoint: 'token',
          method: 'private_key_jwt',
          reason: 'client assertion jti was already used',
        },
      ],
    ]);
    expect(JSON.stringify(audit.events)).not.toContain('wrong-secret');
    expect(JSON.stringify(audit.events)).not.toContain(assertion);
  });

  it('records nothing for a success or a malformed request', async () => {
    await authenticator.authenticate({
      endpoint: 'token',
      params: { client_id: 'post', client_secret: CLIENT_SECRET },
    });
    await authenticator
      .authenticate({
        endpoint: 'token',
        params: { client_id: ['post', 'post'], client_secret: 'x' },
      })
      .catch(() => undefined);
    expect(audit.events).toEqual([]);
  });

  it('fails closed when the failure cannot be recorded', async () => {
    audit.fail = new TemporarilyUnavailable();
    await expectOAuthRejection(
      authenticator.authenticate({
        endpoint: 'token',
        authorization: basicAuthorization('basic', 'wrong'),
        params: {},
      }),
      TemporarilyUnavailable,
      'temporarily_unavailable',
    );
  });

  // The one limit of libs/oauth, as /authorize and the registry apply it (authorize-rules.spec.ts,
  // client-rules.spec.ts).
  it('refuses a client_id beyond MAX_CLIENT_ID_LENGTH before looking it up', async () => {
    const longest = 'x'.repeat(MAX_CLIENT_ID_LENGTH);
    await generic(
      authenticator.authenticate({ endpoint: 'token', params: { client_id: `${longest}x` } }),
    );
    expect(lookups).toEqual([]);
    await generic(
      authenticator.authenticate({ endpoint: 'token', params: { client_id: longest } }),
    );
    expect(lookups).toEqual([longest]);
  });
});
