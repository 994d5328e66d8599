/**
 * The registry's behaviour over its bus contract, in-process: the module as it runs (startService),
 * an in-memory PGlite and the in-process bus, with a clock the tests move. The same module on
 * Postgres and NATS is covered by client-registry.int-spec.ts.
 */
import { expect } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import {
  BroadcastEvents,
  type ClientChangedEvent,
  type ClientRecord,
  ClaimScopeSubjects,
  type ClaimScopeView,
  ClientSubjects,
  type CorsOriginsResponse,
  type CreateClientResponse,
  type CreateInitialAccessTokenResponse,
  type ListClientsResponse,
  type ListResourcesResponse,
  type ManageRegistrationResponse,
  type RegisterClientResponse,
  type ResourceChangedEvent,
  ResourceSubjects,
  type ResourceView,
  type RotateSecretResponse,
  type UpdateClientResponse,
} from '@latchkey/contracts';
import {
  Conflict,
  InvalidClientMetadata,
  InvalidRedirectUri,
  InvalidRequest,
  InvalidToken,
  NotFound,
  type OAuthError,
  sha256Base64Url,
} from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';
import { DataSource } from 'typeorm';
import { expectOAuthRejection } from '@latchkey/testing';
import { AdminClientBootstrap } from './clients/admin-client.bootstrap';
import {
  ADMIN_CLIENT,
  InProcessEventRecorder,
  ManualClock,
  registryConfig,
  startRegistry,
} from './fixtures/registry.fixture';

jest.setTimeout(30_000);

const CB = 'https://app.example.com/cb';
const WEB_APP = { client_name: 'Web app', redirect_uris: [CB], scope: 'openid profile' };
const SERVICE = { grant_types: ['client_credentials'], scope: 'orders:read' };
const SECRET_FORMAT = /^[A-Za-z0-9_-]{43}$/;

let app: INestApplication;
let bus: BusClient;
let clock: ManualClock;
let events: InProcessEventRecorder;
/** What clients.get answered at the moment each client.changed event was delivered. */
const seenOnEvent = new Map<string, Array<ClientRecord | null>>();

beforeAll(async () => {
  app = await startRegistry(registryConfig());
  bus = app.get(BusClient);
  clock = new ManualClock().install(app);
  events = new InProcessEventRecorder(
    [BroadcastEvents.ClientChanged, BroadcastEvents.ResourceChanged],
    async ({ subject, data }) => {
      if (subject !== BroadcastEvents.ClientChanged) return;
      const { client_id } = data as ClientChangedEvent;
      const record = await bus.request<ClientRecord | null>(ClientSubjects.Get, { client_id });
      seenOnEvent.set(client_id, [...(seenOnEvent.get(client_id) ?? []), record]);
    },
  );
});

afterAll(async () => {
  events?.close();
  await app?.close();
});

const request = <T>(subject: string, data: unknown) => bus.request<T>(subject, data);
const getClient = (client_id: string) =>
  request<ClientRecord | null>(ClientSubjects.Get, { client_id });
const createClient = (metadata: unknown, extra: Record<string, unknown> = {}) =>
  request<CreateClientResponse>(ClientSubjects.Create, { metadata, ...extra });
/** The registry serves a live, enabled secret's hash: what the token service checks a secret against. */
async function acceptsSecret(client_id: string, secret: string): Promise<boolean> {
  const record = await getClient(client_id);
  const hash = sha256Base64Url(secret);
  return !!record && !record.disabled && record.secret_hashes.some((s) => s.hash === hash);
}
const updateClient = (client_id: string, patch: unknown) =>
  request<UpdateClientResponse>(ClientSubjects.Update, { client_id, patch });
const rotate = (client_id: string, grace_period_seconds?: number) =>
  request<RotateSecretResponse>(ClientSubjects.RotateSecret, { client_id, grace_period_seconds });

function clientEvent(client_id: string, change: ClientChangedEvent['change']) {
  return events.next<ClientChangedEvent>(
    ({ subject, data }) =>
      subject === BroadcastEvents.ClientChanged &&
      data.client_id === client_id &&
      data.change === change,
  );
}

function resourceEvent(identifier: string, change: ResourceChangedEvent['change']) {
  return events.next<ResourceChangedEvent>(
    ({ subject, data }) =>
      subject === BroadcastEvents.ResourceChanged &&
      data.identifier === identifier &&
      data.change === change,
  );
}

describe('clients.cors_origins', () => {
  it("answers every enabled client's origins once: redirect URIs' and allowed_cors_origins", async () => {
    const spa = 'https://spa.cors.example';
    const { client } = await createClient({
      redirect_uris: ['https://app.cors.example/cb', 'https://app.cors.example/other'],
      allowed_cors_origins: [spa],
    });
    expect(client.allowed_cors_origins).toEqual([spa]);
    const { client: off } = await createClient({
      redirect_uris: ['https://disabled.cors.example/cb'],
    });
    await updateClient(off.client_id, { disabled: true });

    const { origins } = await request<CorsOriginsResponse>(ClientSubjects.CorsOrigins, {});
    expect(origins).toEqual(expect.arrayContaining(['https://app.cors.example', spa]));
    expect(origins.filter((origin) => origin === 'https://app.cors.example')).toHaveLength(1);
    expect(origins).not.toContain('https://disabled.cors.example');
  });
});

describe('clients.create / clients.get / clients.list', () => {
  it('creates a confidential client with a generated id and a secret shown only once', async () => {
    const { client, client_secret } = await createClient(WEB_APP);
    expect(client).toEqual({
      client_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      client_name: 'Web app',
      application_type: 'web',
      redirect_uris: [CB],
      post_logout_redirect_uris: [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile',
      id_token_signed_response_alg: 'RS256',
      skip_consent: false,
      client_id_issued_at: Math.floor(clock.now().getTime() / 1000),
      client_secret_expires_at: 0,
      disabled: false,
      created_at: clock.now().toISOString(),
      updated_at: clock.now().toISOString(),
    });
    expect(client_secret).toMatch(SECRET_FORMAT);
    expect(client).not.toHaveProperty('secret_hashes');

    const record = await getClient(client.client_id);
    expect(record).toEqual({
      ...client,
      secret_hashes: [{ hash: sha256Base64Url(client_secret!), expires_at: null }],
    });
    const list = await request<ListClientsResponse>(ClientSubjects.List, { limit: 200 });
    const listed = list.items.find((item) => item.client_id === client.client_id);
    expect(listed).toEqual(client);
    // The plaintext is in no later answer.
    expect(JSON.stringify([record, list])).not.toContain(client_secret);
    expect(JSON.stringify(list)).not.toContain('secret_hashes');
    await clientEvent(client.client_id, 'created');
  });

  it('gives client_secret_post the same treatment', async () => {
    const { client, client_secret } = await createClient({
      ...SERVICE,
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(client_secret).toMatch(SECRET_FORMAT);
    expect(await acceptsSecret(client.client_id, client_secret!)).toBe(true);
  });

  it('gives a public client and a private_key_jwt client no secret', async () => {
    const pub = await createClient({
      application_type: 'native',
      redirect_uris: ['com.example.app:/cb', 'http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect(pub).not.toHaveProperty('client_secret');
    expect(pub.client).not.toHaveProperty('client_secret_expires_at');
    expect((await getClient(pub.client.client_id))!.secret_hashes).toEqual([]);

    const jwt = await createClient({
      ...SERVICE,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: 'https://svc.example.com/jwks',
    });
    expect(jwt).not.toHaveProperty('client_secret');
    expect((await getClient(jwt.client.client_id))!.secret_hashes).toEqual([]);
  });

  it.each<[string, unknown, new () => OAuthError, string, RegExp]>([
    ['not an object', 'x', InvalidClientMetadata, 'invalid_client_metadata', /JSON object/],
    [
      'a plain-http redirect URI',
      { redirect_uris: ['http://app.example.com/cb'] },
      InvalidRedirectUri,
      'invalid_redirect_uri',
      /^redirect_uris\[0\] must use https/,
    ],
    [
      'a redirect URI with a fragment',
      { redirect_uris: [`${CB}#x`] },
      InvalidRedirectUri,
      'invalid_redirect_uri',
      /must not contain a fragment/,
    ],
    [
      'a private-use scheme for a web app',
      { redirect_uris: ['com.example.app:/cb'] },
      InvalidRedirectUri,
      'invalid_redirect_uri',
      /only allowed for native applications/,
    ],
    [
      'authorization_code without redirect URIs',
      { grant_types: ['authorization_code'] },
      InvalidRedirectUri,
      'invalid_redirect_uri',
      /requires at least one redirect_uri/,
    ],
    [
      'an unknown grant type',
      { redirect_uris: [CB], grant_types: ['password'] },
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^grant_types contains the unsupported value 'password'/,
    ],
    [
      'response type code without authorization_code',
      { grant_types: ['client_credentials'], response_types: ['code'] },
      InvalidClientMetadata,
      'invalid_client_metadata',
      /requires grant type authorization_code/,
    ],
    [
      'a public client with client_credentials',
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
      InvalidClientMetadata,
      'invalid_client_metadata',
      /must not use client_credentials/,
    ],
    [
      'private_key_jwt without keys',
      { ...SERVICE, token_endpoint_auth_method: 'private_key_jwt' },
      InvalidClientMetadata,
      'invalid_client_metadata',
      /requires jwks or jwks_uri/,
    ],
    [
      'a default_resource with a fragment',
      { ...SERVICE, default_resource: 'https://api.example.com/#x' },
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^default_resource must not contain a fragment$/,
    ],
    [
      'a default_resource that is not registered',
      { ...SERVICE, default_resource: 'https://unknown.example.com' },
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^default_resource is not a registered API resource$/,
    ],
    [
      'admin with authorization_code',
      { redirect_uris: [CB], scope: 'openid admin' },
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^scope admin is only allowed for clients whose only grant type is client_credentials$/,
    ],
  ])('rejects %s', async (_label, metadata, errorClass, code, pattern) => {
    const before = (await request<ListClientsResponse>(ClientSubjects.List, { limit: 200 })).items
      .length;
    await expectOAuthRejection(createClient(metadata), errorClass, code, pattern);
    const after = (await request<ListClientsResponse>(ClientSubjects.List, { limit: 200 })).items
      .length;
    expect(after).toBe(before);
  });

  it('lets an admin create a client_credentials client with scope admin', async () => {
    const { client, client_secret } = await createClient({
      grant_types: ['client_credentials'],
      scope: 'admin',
    });
    expect(client.scope).toBe('admin');
    expect(client_secret).toMatch(SECRET_FORMAT);
  });

  it('accepts a chosen client_id once, and refuses a malformed one', async () => {
    const { client } = await createClient(SERVICE, { client_id: 'billing-service' });
    expect(client.client_id).toBe('billing-service');
    await expectOAuthRejection(
      createClient(SERVICE, { client_id: 'billing-service' }),
      Conflict,
      'conflict',
      /^client_id is already registered$/,
    );
    await expectOAuthRejection(
      createClient(SERVICE, { client_id: 'has space' }),
      InvalidRequest,
      'invalid_request',
      /^client_id must be 1 to 128 characters/,
    );
  });

  it('answers null for an unknown client and invalid_request without a client_id', async () => {
    expect(await getClient('no-such-client')).toBeNull();
    await expectOAuthRejection(
      request(ClientSubjects.Get, {}),
      InvalidRequest,
      'invalid_request',
      /^client_id is required$/,
    );
  });
});

describe('clients.list pagination', () => {
  it('walks every client once, in creation order, in pages of `limit`', async () => {
    for (let i = 0; i < 5; i++) await createClient({ ...SERVICE, client_name: `page-${i}` });
    const all = (await request<ListClientsResponse>(ClientSubjects.List, { limit: 200 })).items;
    expect(all.length).toBeGreaterThanOrEqual(6);

    const walked: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page: ListClientsResponse = await request(ClientSubjects.List, { limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.items.map((item) => item.client_id));
      cursor = page.next_cursor;
      if (cursor !== null) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      pages++;
    } while (cursor !== null && pages < 100);
    expect(walked).toEqual(all.map((item) => item.client_id));
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked[0]).toBe(ADMIN_CLIENT.id); // created first, at bootstrap
  });

  it('keeps a cursor valid when the client it points at is deleted', async () => {
    const first = await request<ListClientsResponse>(ClientSubjects.List, { limit: 2 });
    await request(ClientSubjects.Delete, { client_id: first.items[1].client_id });
    const next = await request<ListClientsResponse>(ClientSubjects.List, {
      limit: 2,
      cursor: first.next_cursor,
    });
    const ids = next.items.map((item) => item.client_id);
    expect(ids).not.toContain(first.items[0].client_id);
    expect(ids).not.toContain(first.items[1].client_id);
    expect(ids).toHaveLength(2);
  });

  it.each<[string, unknown, RegExp]>([
    ['limit 0', { limit: 0 }, /^limit must be an integer between 1 and 200$/],
    ['limit 201', { limit: 201 }, /^limit must be an integer between 1 and 200$/],
    ['a string limit', { limit: '5' }, /^limit must be an integer/],
    ['a forged cursor', { cursor: 'bm90LWEtY3Vyc29y' }, /^cursor is not a cursor/],
    ['a non-string cursor', { cursor: 12 }, /^cursor (is not a cursor|must be a string)/],
  ])('rejects %s', async (_label, body, pattern) => {
    await expectOAuthRejection(
      request(ClientSubjects.List, body),
      InvalidRequest,
      'invalid_request',
      pattern,
    );
  });
});

describe('clients.update', () => {
  it('applies a JSON merge patch and validates the result as a whole', async () => {
    const { client } = await createClient({ ...WEB_APP, access_token_lifetime: 600 });
    clock.advance(10);
    const { client: updated, ...rest } = await updateClient(client.client_id, {
      client_name: 'Renamed',
      access_token_lifetime: null,
    });
    expect(rest).toEqual({});
    expect(updated).toEqual({
      ...client,
      client_name: 'Renamed',
      access_token_lifetime: undefined,
      updated_at: clock.now().toISOString(),
    });
    expect(updated).not.toHaveProperty('access_token_lifetime');
    expect(await getClient(client.client_id)).toMatchObject({ client_name: 'Renamed' });
    await clientEvent(client.client_id, 'updated');

    await expectOAuthRejection(
      updateClient(client.client_id, { redirect_uris: ['http://evil.example.com/cb'] }),
      InvalidRedirectUri,
      'invalid_redirect_uri',
    );
    await expectOAuthRejection(
      updateClient(client.client_id, { scope: 'openid admin' }),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^scope admin is only allowed/,
    );
    await expectOAuthRejection(
      updateClient(client.client_id, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'none',
      }),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /must not use client_credentials/,
    );
    await expectOAuthRejection(
      updateClient(client.client_id, { disabled: 'yes' }),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^disabled must be a boolean$/,
    );
    await expectOAuthRejection(
      updateClient(client.client_id, 'not a patch'),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^patch must be a JSON object$/,
    );
    // None of the rejected patches changed anything.
    expect(await getClient(client.client_id)).toMatchObject({
      client_name: 'Renamed',
      redirect_uris: [CB],
      scope: 'openid profile',
      disabled: false,
    });
  });

  it('disables and re-enables a client', async () => {
    const { client, client_secret } = await createClient(SERVICE);
    expect((await updateClient(client.client_id, { disabled: true })).client.disabled).toBe(true);
    expect(await acceptsSecret(client.client_id, client_secret!)).toBe(false);
    expect((await updateClient(client.client_id, { disabled: false })).client.disabled).toBe(false);
    expect(await acceptsSecret(client.client_id, client_secret!)).toBe(true);
  });

  it('deletes the secrets of a client that becomes public, and gives one back on the way back', async () => {
    const { client, client_secret } = await createClient(WEB_APP);
    const toPublic = await updateClient(client.client_id, { token_endpoint_auth_method: 'none' });
    expect(toPublic).not.toHaveProperty('client_secret');
    expect((await getClient(client.client_id))!.secret_hashes).toEqual([]);
    expect(await acceptsSecret(client.client_id, client_secret!)).toBe(false);

    const back = await updateClient(client.client_id, {
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(back.client_secret).toMatch(SECRET_FORMAT);
    expect(back.client_secret).not.toBe(client_secret);
    expect((await getClient(client.client_id))!.secret_hashes).toEqual([
      { hash: sha256Base64Url(back.client_secret!), expires_at: null },
    ]);
    expect(await acceptsSecret(client.client_id, back.client_secret!)).toBe(true);
    expect(await acceptsSecret(client.client_id, client_secret!)).toBe(false);

    // basic -> post keeps the secret it has
    const same = await updateClient(client.client_id, {
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(same).not.toHaveProperty('client_secret');
    expect(await acceptsSecret(client.client_id, back.client_secret!)).toBe(true);
  });

  it('is 404 for an unknown client', async () => {
    await expectOAuthRejection(
      updateClient('no-such-client', { client_name: 'x' }),
      NotFound,
      'not_found',
      /^client not found$/,
    );
  });
});

describe('clients.delete', () => {
  it('removes the client and its secrets; a second delete is 404', async () => {
    const { client, client_secret } = await createClient(SERVICE);
    expect(await request(ClientSubjects.Delete, { client_id: client.client_id })).toBeNull();
    expect(await getClient(client.client_id)).toBeNull();
    expect(await acceptsSecret(client.client_id, client_secret!)).toBe(false);
    const secretRows: unknown[] = await app
      .get(DataSource)
      .query(`SELECT 1 FROM "client_secrets" WHERE "client_id" = $1`, [client.client_id]);
    expect(secretRows).toHaveLength(0);
    await expectOAuthRejection(
      request(ClientSubjects.Delete, { client_id: client.client_id }),
      NotFound,
      'not_found',
    );
  });
});

describe('clients.rotate_secret', () => {
  it('with no grace period, the old secret stops at once', async () => {
    const { client, client_secret: old } = await createClient(SERVICE);
    const rotated = await rotate(client.client_id);
    expect(rotated.client_secret).toMatch(SECRET_FORMAT);
    expect(rotated.client_secret).not.toBe(old);
    expect(await acceptsSecret(client.client_id, old!)).toBe(false);
    expect(await acceptsSecret(client.client_id, rotated.client_secret)).toBe(true);
    expect((await getClient(client.client_id))!.secret_hashes).toEqual([
      { hash: sha256Base64Url(rotated.client_secret), expires_at: null },
    ]);
    await clientEvent(client.client_id, 'secret_rotated');
  });

  it('with a grace period, both work until it ends, then only the new one', async () => {
    const { client, client_secret: old } = await createClient(SERVICE);
    const rotatedAt = clock.now();
    const { client_secret: fresh } = await rotate(client.client_id, 3600);
    const graceEnd = new Date(rotatedAt.getTime() + 3600_000).toISOString();
    expect((await getClient(client.client_id))!.secret_hashes).toEqual([
      { hash: sha256Base64Url(old!), expires_at: graceEnd },
      { hash: sha256Base64Url(fresh), expires_at: null },
    ]);

    clock.advance(3599);
    expect(await acceptsSecret(client.client_id, old!)).toBe(true);
    expect(await acceptsSecret(client.client_id, fresh)).toBe(true);

    clock.advance(1);
    expect(await acceptsSecret(client.client_id, old!)).toBe(false);
    expect(await acceptsSecret(client.client_id, fresh)).toBe(true);
    expect((await getClient(client.client_id))!.secret_hashes).toEqual([
      { hash: sha256Base64Url(fresh), expires_at: null },
    ]);

    // The next rotation prunes the expired hash from the table.
    const { client_secret: third } = await rotate(client.client_id, 60);
    const rows: Array<{ hash: string }> = await app
      .get(DataSource)
      .query(`SELECT "hash" FROM "client_secrets" WHERE "client_id" = $1 ORDER BY "id"`, [
        client.client_id,
      ]);
    expect(rows.map((row) => row.hash)).toEqual([sha256Base64Url(fresh), sha256Base64Url(third)]);
  });

  it('a second rotation during a grace period does not extend the oldest secret', async () => {
    const { client, client_secret: first } = await createClient(SERVICE);
    await rotate(client.client_id, 600);
    clock.advance(300);
    const { client_secret: third } = await rotate(client.client_id, 86_400);
    clock.advance(301);
    expect(await acceptsSecret(client.client_id, first!)).toBe(false);
    expect(await acceptsSecret(client.client_id, third)).toBe(true);
  });

  it.each<[string, () => Promise<unknown>, new () => OAuthError, string, number, RegExp]>([
    [
      'a negative grace period',
      () => rotate('no-such-client', -1),
      InvalidRequest,
      'invalid_request',
      400,
      /^grace_period_seconds must be an integer between 0 and 2592000$/,
    ],
    [
      'a grace period over 30 days',
      () => rotate('no-such-client', 2_592_001),
      InvalidRequest,
      'invalid_request',
      400,
      /^grace_period_seconds must be/,
    ],
    ['an unknown client', () => rotate('no-such-client'), NotFound, 'not_found', 404, /not found/],
  ])('rejects %s', async (_label, call, errorClass, code, status, pattern) => {
    await expectOAuthRejection(call(), errorClass, { error: code, status, description: pattern });
  });

  it('rejects a client without a secret', async () => {
    const { client } = await createClient({
      redirect_uris: [CB],
      token_endpoint_auth_method: 'none',
    });
    await expectOAuthRejection(
      rotate(client.client_id),
      InvalidRequest,
      'invalid_request',
      /^the client does not authenticate with a client secret$/,
    );
  });
});

describe('admin client bootstrap', () => {
  it('created the configured admin client at start, usable with ADMIN_CLIENT_SECRET', async () => {
    const record = await getClient(ADMIN_CLIENT.id);
    expect(record).toMatchObject({
      client_id: ADMIN_CLIENT.id,
      client_name: 'Latchkey admin',
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'admin',
      disabled: false,
      secret_hashes: [{ hash: sha256Base64Url(ADMIN_CLIENT.secret), expires_at: null }],
    });
    expect(await acceptsSecret(ADMIN_CLIENT.id, ADMIN_CLIENT.secret)).toBe(true);
    expect((await getClient(ADMIN_CLIENT.id))?.scope).toBe('admin');
  });

  it('is idempotent, and several at once converge on one client with one secret', async () => {
    const bootstrap = app.get(AdminClientBootstrap);
    expect(await bootstrap.ensureAdminClient(ADMIN_CLIENT)).toBe('unchanged');
    const other = { id: 'second-admin', secret: 'second-admin-secret-0123456789abcdef' };
    const outcomes = await Promise.all([1, 2, 3].map(() => bootstrap.ensureAdminClient(other)));
    expect(outcomes.sort()).toEqual(['created', 'unchanged', 'unchanged']);
    expect((await getClient(other.id))!.secret_hashes).toHaveLength(1);
    expect(await acceptsSecret(other.id, other.secret)).toBe(true);
  });

  it('replaces the stored secret when ADMIN_CLIENT_SECRET changed', async () => {
    const bootstrap = app.get(AdminClientBootstrap);
    const admin = { id: 'rotating-admin', secret: 'first-admin-secret-0123456789abcdef' };
    await bootstrap.ensureAdminClient(admin);
    const changed = { ...admin, secret: 'changed-admin-secret-0123456789abcdef' };
    expect(await bootstrap.ensureAdminClient(changed)).toBe('updated');
    expect(await acceptsSecret(admin.id, admin.secret)).toBe(false);
    expect(await acceptsSecret(admin.id, changed.secret)).toBe(true);
    expect((await getClient(admin.id))!.secret_hashes).toHaveLength(1);
    await clientEvent(admin.id, 'updated');
  });

  it('keeps the configured admin client out of reach of the API', async () => {
    for (const call of [
      () => updateClient(ADMIN_CLIENT.id, { disabled: true }),
      () => request(ClientSubjects.Delete, { client_id: ADMIN_CLIENT.id }),
      () => rotate(ADMIN_CLIENT.id),
    ]) {
      await expectOAuthRejection(
        call(),
        Conflict,
        'conflict',
        /^this client is managed by the ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET settings$/,
      );
    }
    expect(await acceptsSecret(ADMIN_CLIENT.id, ADMIN_CLIENT.secret)).toBe(true);
  });
});

describe('client.changed events', () => {
  it('are broadcast after the commit: a subscriber reading back sees the change', async () => {
    const { client } = await createClient(SERVICE);
    await clientEvent(client.client_id, 'created');
    await updateClient(client.client_id, { disabled: true });
    await clientEvent(client.client_id, 'updated');
    await rotate(client.client_id);
    await clientEvent(client.client_id, 'secret_rotated');
    await request(ClientSubjects.Delete, { client_id: client.client_id });
    await clientEvent(client.client_id, 'deleted');

    const seen = seenOnEvent.get(client.client_id)!;
    expect(seen).toHaveLength(4);
    expect(seen[0]).toMatchObject({ client_id: client.client_id, disabled: false });
    expect(seen[1]).toMatchObject({ disabled: true });
    expect(seen[3]).toBeNull();
  });

  it('are not sent for a rejected change', async () => {
    const { client } = await createClient(SERVICE);
    await clientEvent(client.client_id, 'created');
    await expectOAuthRejection(
      updateClient(client.client_id, { grant_types: ['password'] }),
      InvalidClientMetadata,
      'invalid_client_metadata',
    );
    await request(ClientSubjects.Delete, { client_id: client.client_id });
    await clientEvent(client.client_id, 'deleted');
    const changes = events.events
      .filter(({ data }) => (data as ClientChangedEvent).client_id === client.client_id)
      .map(({ data }) => (data as ClientChangedEvent).change);
    expect(changes).toEqual(['created', 'deleted']);
  });
});

describe('claim scopes (docs/architecture.md §7)', () => {
  const createScope = (scope: unknown) =>
    request<ClaimScopeView>(ClaimScopeSubjects.Create, { scope });

  it('creates, reads, merges claims on update, lists and deletes a claim scope', async () => {
    const created = await createScope({
      name: 'user_profile',
      description: 'Department',
      claims: { department: 'department', level: 'level' },
    });
    expect(created).toEqual({
      name: 'user_profile',
      description: 'Department',
      claims: { department: 'department', level: 'level' },
      public: false,
      created_at: clock.now().toISOString(),
      updated_at: clock.now().toISOString(),
    });
    const updated = await request<ClaimScopeView>(ClaimScopeSubjects.Update, {
      name: 'user_profile',
      patch: { claims: { level: null, employee_number: 'employee_id' }, public: true },
    });
    expect(updated).toMatchObject({
      claims: { department: 'department', employee_number: 'employee_id' },
      public: true,
    });
    expect(await request(ClaimScopeSubjects.All, {})).toContainEqual(updated);
    expect(await request(ClaimScopeSubjects.Delete, { name: 'user_profile' })).toBeNull();
    await expectOAuthRejection(
      request(ClaimScopeSubjects.Get, { name: 'user_profile' }),
      NotFound,
      'not_found',
      /^claim scope not found$/,
    );
  });

  it("refuses a taken name, an API resource's scope, and a reserved claim", async () => {
    await createScope({ name: 'extra', claims: { a: 'a' } });
    await expectOAuthRejection(
      createScope({ name: 'extra', claims: { a: 'a' } }),
      Conflict,
      'conflict',
      /^a claim scope with this name already exists$/,
    );
    await request(ResourceSubjects.Create, {
      resource: { identifier: 'https://claims.example.com', name: 'C', scopes: ['c:read'] },
    });
    await expectOAuthRejection(
      createScope({ name: 'c:read', claims: { a: 'a' } }),
      Conflict,
      'conflict',
      /^an API resource defines a scope of this name$/,
    );
    await expectOAuthRejection(
      createScope({ name: 'forge', claims: { email_verified: 'verified' } }),
      InvalidRequest,
      'invalid_request',
      /^claims\.email_verified is a protocol or standard claim$/,
    );
  });
});

describe('resources', () => {
  const API = 'https://orders.example.com';
  const createResource = (resource: unknown) =>
    request<ResourceView>(ResourceSubjects.Create, { resource });

  it('creates, reads, updates and deletes a resource, with an event for each change', async () => {
    const created = await createResource({
      identifier: API,
      name: 'Orders',
      scopes: ['orders:read'],
      roles: ['clerk'],
    });
    expect(created).toEqual({
      identifier: API,
      name: 'Orders',
      scopes: ['orders:read'],
      roles: ['clerk'],
      scope_descriptions: {},
      access_token_lifetime: 3600,
      created_at: clock.now().toISOString(),
      updated_at: clock.now().toISOString(),
    });
    await resourceEvent(API, 'created');
    expect(await request(ResourceSubjects.Get, { identifier: API })).toEqual(created);

    clock.advance(5);
    const updated = await request<ResourceView>(ResourceSubjects.Update, {
      identifier: API,
      patch: {
        scopes: ['orders:read', 'orders:write'],
        scope_descriptions: { 'orders:write': 'Change your orders' },
        access_token_lifetime: 900,
      },
    });
    expect(updated).toEqual({
      ...created,
      scopes: ['orders:read', 'orders:write'],
      scope_descriptions: { 'orders:write': 'Change your orders' },
      access_token_lifetime: 900,
      updated_at: clock.now().toISOString(),
    });
    await resourceEvent(API, 'updated');
    expect(await request(ResourceSubjects.All, {})).toContainEqual(updated);

    expect(await request(ResourceSubjects.Delete, { identifier: API })).toBeNull();
    await resourceEvent(API, 'deleted');
    await expectOAuthRejection(
      request(ResourceSubjects.Get, { identifier: API }),
      NotFound,
      'not_found',
      /^resource not found$/,
    );
  });

  it('keeps each scope to one resource: another resource defining it is 409', async () => {
    await createResource({ identifier: 'https://one.example.com', name: 'One', scopes: ['x:1'] });
    await expectOAuthRejection(
      createResource({ identifier: 'https://two.example.com', name: 'Two', scopes: ['y', 'x:1'] }),
      Conflict,
      'conflict',
      /^scopes\[1\] is already defined by another resource$/,
    );
    await createResource({ identifier: 'https://two.example.com', name: 'Two', scopes: ['y'] });
    await expectOAuthRejection(
      request(ResourceSubjects.Update, {
        identifier: 'https://two.example.com',
        patch: { scopes: ['x:1'] },
      }),
      Conflict,
      'conflict',
      /^scopes\[0\] is already defined by another resource$/,
    );
    // A resource may keep its own scopes in an update.
    await expect(
      request(ResourceSubjects.Update, {
        identifier: 'https://one.example.com',
        patch: { scopes: ['x:1', 'x:2'] },
      }),
    ).resolves.toMatchObject({ scopes: ['x:1', 'x:2'] });
  });

  it('refuses a duplicate identifier with 409 and unknown ones with 404', async () => {
    const identifier = 'https://dup.example.com';
    await createResource({ identifier, name: 'One' });
    await expectOAuthRejection(
      createResource({ identifier, name: 'Two' }),
      Conflict,
      'conflict',
      /^a resource with this identifier already exists$/,
    );
    expect(await request(ResourceSubjects.Get, { identifier })).toMatchObject({ name: 'One' });
    for (const call of [
      () => request(ResourceSubjects.Get, { identifier: 'https://none.example.com' }),
      () =>
        request(ResourceSubjects.Update, {
          identifier: 'https://none.example.com',
          patch: { name: 'x' },
        }),
      () => request(ResourceSubjects.Delete, { identifier: 'https://none.example.com' }),
    ]) {
      await expectOAuthRejection(call(), NotFound, 'not_found');
    }
  });

  it.each<[string, unknown, RegExp]>([
    [
      'a relative identifier',
      { identifier: '/api', name: 'x' },
      /^identifier must be an absolute URI$/,
    ],
    [
      'an identifier with a fragment',
      { identifier: 'https://api.example.com/#a', name: 'x' },
      /^identifier must not contain a fragment$/,
    ],
    ['the issuer', { identifier: 'https://id.example.test', name: 'x' }, /must not be the issuer/],
    ['no name', { identifier: 'https://a.example.com' }, /^name is required$/],
    [
      'an OIDC scope',
      { identifier: 'https://a.example.com', name: 'x', scopes: ['openid'] },
      /reserved scope openid/,
    ],
    [
      'the admin scope',
      { identifier: 'https://a.example.com', name: 'x', scopes: ['admin'] },
      /reserved scope admin/,
    ],
    [
      'a repeated scope',
      { identifier: 'https://a.example.com', name: 'x', scopes: ['a', 'a'] },
      /repeats an earlier scope/,
    ],
    [
      'an invalid scope token',
      { identifier: 'https://a.example.com', name: 'x', scopes: ['a b'] },
      /must be a scope token/,
    ],
    [
      'a lifetime below 60 s',
      { identifier: 'https://a.example.com', name: 'x', access_token_lifetime: 30 },
      /between 60 and 86400/,
    ],
  ])('rejects %s with invalid_request', async (_label, resource, pattern) => {
    await expectOAuthRejection(
      createResource(resource),
      InvalidRequest,
      'invalid_request',
      pattern,
    );
  });

  it('refuses to change an identifier or to accept an invalid patch', async () => {
    const identifier = 'https://patch.example.com';
    await createResource({ identifier, name: 'Patch' });
    await expectOAuthRejection(
      request(ResourceSubjects.Update, {
        identifier,
        patch: { identifier: 'https://x.example.com' },
      }),
      InvalidRequest,
      'invalid_request',
      /^identifier cannot be changed$/,
    );
    await expectOAuthRejection(
      request(ResourceSubjects.Update, { identifier, patch: { scopes: ['email'] } }),
      InvalidRequest,
      'invalid_request',
      /reserved scope email/,
    );
    expect(await request(ResourceSubjects.Get, { identifier })).toMatchObject({ scopes: [] });
  });

  it('pages through resources and lists them all at once', async () => {
    for (let i = 0; i < 3; i++) {
      await createResource({ identifier: `https://page${i}.example.com`, name: `Page ${i}` });
    }
    const all = await request<ResourceView[]>(ResourceSubjects.All, {});
    const walked: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page: ListResourcesResponse = await request(ResourceSubjects.List, {
        limit: 1,
        cursor,
      });
      walked.push(...page.items.map((item) => item.identifier));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(walked).toEqual(all.map((resource) => resource.identifier));
    await expectOAuthRejection(
      request(ResourceSubjects.List, { cursor: '!!' }),
      InvalidRequest,
      'invalid_request',
    );
  });

  it('is the default_resource of a client only while it exists', async () => {
    const identifier = 'https://default.example.com';
    await createResource({ identifier, name: 'Default', scopes: ['orders:read'] });
    const { client } = await createClient({ ...SERVICE, default_resource: identifier });
    expect(client.default_resource).toBe(identifier);
    expect((await getClient(client.client_id))!.default_resource).toBe(identifier);
    await expectOAuthRejection(
      request(ResourceSubjects.Delete, { identifier }),
      Conflict,
      'conflict',
      /^the resource is the default_resource of at least one client$/,
    );
    await expectOAuthRejection(
      updateClient(client.client_id, { default_resource: 'https://gone.example.com' }),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^default_resource is not a registered API resource$/,
    );
    await updateClient(client.client_id, { default_resource: null });
    expect(await request(ResourceSubjects.Delete, { identifier })).toBeNull();
  });
});

describe('dynamic registration (RFC 7591 / 7592)', () => {
  const createIat = (body: unknown = {}) =>
    request<CreateInitialAccessTokenResponse>(ClientSubjects.CreateInitialAccessToken, body);
  const register = (initial_access_token: unknown, metadata: unknown) =>
    request<RegisterClientResponse>(ClientSubjects.Register, { initial_access_token, metadata });
  const manage = (body: Record<string, unknown>) =>
    request<ManageRegistrationResponse>(ClientSubjects.ManageRegistration, body);
  const expectInvalidIat = (promise: Promise<unknown>) =>
    expectOAuthRejection(
      promise,
      InvalidToken,
      'invalid_token',
      /^the initial access token is invalid, expired or used up$/,
    );
  const expectInvalidRat = (promise: Promise<unknown>) =>
    expectOAuthRejection(
      promise,
      InvalidToken,
      'invalid_token',
      /^the registration access token is invalid$/,
    );

  it('issues initial access tokens: one use and one day by default', async () => {
    const iat = await createIat();
    expect(iat).toEqual({
      initial_access_token: expect.stringMatching(SECRET_FORMAT),
      expires_at: new Date(clock.now().getTime() + 86_400_000).toISOString(),
      max_uses: 1,
    });
    const rows: Array<{ token_hash: string }> = await app
      .get(DataSource)
      .query(`SELECT "token_hash" FROM "initial_access_tokens"`);
    expect(rows.map((row) => row.token_hash)).toContain(sha256Base64Url(iat.initial_access_token));
    expect(JSON.stringify(rows)).not.toContain(iat.initial_access_token);
    await expectOAuthRejection(createIat({ expires_in: 10 }), InvalidRequest, 'invalid_request');
    await expectOAuthRejection(createIat({ max_uses: 0 }), InvalidRequest, 'invalid_request');
  });

  it('registers a client with a registration access token; the token is then used up', async () => {
    const { initial_access_token } = await createIat();
    const registered = await register(initial_access_token, WEB_APP);
    expect(registered.client).toMatchObject({ ...WEB_APP, disabled: false });
    expect(registered.client_secret).toMatch(SECRET_FORMAT);
    expect(registered.registration_access_token).toMatch(SECRET_FORMAT);
    expect(await acceptsSecret(registered.client.client_id, registered.client_secret!)).toBe(true);
    await clientEvent(registered.client.client_id, 'created');
    await expectInvalidIat(register(initial_access_token, WEB_APP));
  });

  it('allows max_uses registrations, then no more', async () => {
    const { initial_access_token } = await createIat({ max_uses: 2 });
    await register(initial_access_token, WEB_APP);
    await register(initial_access_token, WEB_APP);
    await expectInvalidIat(register(initial_access_token, WEB_APP));
  });

  it('lets exactly one of two parallel registrations use a single-use token', async () => {
    const { initial_access_token } = await createIat();
    const results = await Promise.allSettled([
      register(initial_access_token, WEB_APP),
      register(initial_access_token, WEB_APP),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    await expectInvalidIat(Promise.reject(rejected.reason));
  });

  it('refuses an expired, unknown or missing initial access token', async () => {
    const { initial_access_token } = await createIat({ expires_in: 60 });
    clock.advance(60);
    await expectInvalidIat(register(initial_access_token, WEB_APP));
    await expectInvalidIat(register('not-a-token', WEB_APP));
    await expectInvalidIat(register(undefined, WEB_APP));
    await expectInvalidIat(register('', WEB_APP));
  });

  it('does not use the token up on bad metadata, and never hands out admin or skip_consent', async () => {
    const { initial_access_token } = await createIat();
    await expectOAuthRejection(
      register(initial_access_token, { redirect_uris: ['http://app.example.com/cb'] }),
      InvalidRedirectUri,
      'invalid_redirect_uri',
    );
    await expectOAuthRejection(
      register(initial_access_token, { grant_types: ['client_credentials'], scope: 'admin' }),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^scope admin cannot be registered dynamically$/,
    );
    await expectOAuthRejection(
      register(initial_access_token, { ...WEB_APP, skip_consent: true }),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^skip_consent cannot be set through dynamic registration$/,
    );
    // Still one use left.
    expect((await register(initial_access_token, WEB_APP)).client.client_id).toBeDefined();
  });

  it('reads, replaces and deletes a registration with its registration access token', async () => {
    const { initial_access_token } = await createIat();
    const reg = await register(initial_access_token, { ...WEB_APP, access_token_lifetime: 600 });
    const clientId = reg.client.client_id;
    const token = reg.registration_access_token;

    const read = await manage({
      client_id: clientId,
      registration_access_token: token,
      action: 'read',
    });
    expect(read).toEqual({ client: reg.client });

    clock.advance(1);
    const updated = await manage({
      client_id: clientId,
      registration_access_token: token,
      action: 'update',
      metadata: { client_id: clientId, redirect_uris: ['https://app.example.com/new'] },
    });
    // Replaced, not merged: what the update did not send is back to its default.
    expect(updated!.client).toMatchObject({
      client_id: clientId,
      redirect_uris: ['https://app.example.com/new'],
      client_id_issued_at: reg.client.client_id_issued_at,
    });
    expect(updated!.client).not.toHaveProperty('client_name');
    expect(updated!.client).not.toHaveProperty('access_token_lifetime');
    expect(updated).not.toHaveProperty('client_secret');
    await clientEvent(clientId, 'updated');

    // The same registration access token keeps working.
    expect(
      (await manage({ client_id: clientId, registration_access_token: token, action: 'read' }))!
        .client.redirect_uris,
    ).toEqual(['https://app.example.com/new']);

    expect(
      await manage({ client_id: clientId, registration_access_token: token, action: 'delete' }),
    ).toBeNull();
    expect(await getClient(clientId)).toBeNull();
    await clientEvent(clientId, 'deleted');
    await expectInvalidRat(
      manage({ client_id: clientId, registration_access_token: token, action: 'read' }),
    );
  });

  it('checks the registration access token and the update', async () => {
    const { initial_access_token } = await createIat({ max_uses: 2 });
    const reg = await register(initial_access_token, WEB_APP);
    const other = await register(initial_access_token, WEB_APP);
    const admins = await createClient(WEB_APP);
    const clientId = reg.client.client_id;
    const token = reg.registration_access_token;

    for (const body of [
      { client_id: clientId, registration_access_token: `${token}x`, action: 'read' },
      {
        client_id: clientId,
        registration_access_token: other.registration_access_token,
        action: 'read',
      },
      { client_id: 'no-such-client', registration_access_token: token, action: 'read' },
      { client_id: admins.client.client_id, registration_access_token: token, action: 'read' },
      { client_id: clientId, registration_access_token: 7, action: 'read' },
      { client_id: clientId, registration_access_token: `${token}x`, action: 'delete' },
      {
        client_id: clientId,
        registration_access_token: `${token}x`,
        action: 'update',
        metadata: WEB_APP,
      },
    ]) {
      await expectInvalidRat(manage(body));
    }
    await expectOAuthRejection(
      manage({ client_id: clientId, registration_access_token: token, action: 'patch' }),
      InvalidRequest,
      'invalid_request',
      /^action must be one of read, update, delete$/,
    );
    await expectOAuthRejection(
      manage({
        client_id: clientId,
        registration_access_token: token,
        action: 'update',
        metadata: { ...WEB_APP, client_id: other.client.client_id },
      }),
      InvalidRequest,
      'invalid_request',
      /^client_id in the metadata must be the client_id being updated$/,
    );
    await expectOAuthRejection(
      manage({
        client_id: clientId,
        registration_access_token: token,
        action: 'update',
        metadata: { grant_types: ['client_credentials'], scope: 'admin' },
      }),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^scope admin cannot be registered dynamically$/,
    );
    // Nothing changed, and the client is still there.
    expect(await getClient(clientId)).toMatchObject({ redirect_uris: [CB] });

    // A client an admin disabled cannot manage itself.
    await updateClient(clientId, { disabled: true });
    await expectInvalidRat(
      manage({ client_id: clientId, registration_access_token: token, action: 'read' }),
    );
  });

  it('moves secrets with the auth method on update', async () => {
    const { initial_access_token } = await createIat();
    const reg = await register(initial_access_token, WEB_APP);
    const base = {
      client_id: reg.client.client_id,
      registration_access_token: reg.registration_access_token,
      action: 'update',
    };
    await manage({ ...base, metadata: { ...WEB_APP, token_endpoint_auth_method: 'none' } });
    expect((await getClient(reg.client.client_id))!.secret_hashes).toEqual([]);
    const back = await manage({ ...base, metadata: WEB_APP });
    expect(back!.client_secret).toMatch(SECRET_FORMAT);
    expect(await acceptsSecret(reg.client.client_id, back!.client_secret!)).toBe(true);
  });
});
