/**
 * The registry as it runs in production: two replicas started at once on one fresh Postgres
 * database, answering over real NATS (a private nats-server when the binary is there, so no other
 * suite's registry joins the queue group), driven by a BusClient of the test's own and watched by
 * a plain NATS subscriber for the broadcast events.
 */
import type { INestApplication } from '@nestjs/common';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  BroadcastEvents,
  type ClientChangedEvent,
  type ClientRecord,
  ClientSubjects,
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
  sha256Base64Url,
} from '@latchkey/oauth';
import {
  createTestDatabase,
  describeWithBackends,
  expectOAuthRejection,
  startTestNats,
  type TestNats,
} from '@latchkey/testing';
import { BusClient, createBusClientProxy } from '@latchkey/transport';
import { DataSource } from 'typeorm';
import { CLIENT_REGISTRY_PERSISTENCE } from './client-registry.persistence';
import { AdminClientBootstrap } from './clients/admin-client.bootstrap';
import {
  ADMIN_CLIENT,
  ManualClock,
  registryConfig,
  startRegistry,
} from './fixtures/registry.fixture';

jest.setTimeout(60_000);

const CB = 'https://app.example.com/cb';
const WEB_APP = { client_name: 'Web app', redirect_uris: [CB], scope: 'openid profile' };
const SERVICE = { grant_types: ['client_credentials'], scope: 'orders:read' };

interface Received {
  subject: string;
  data: ClientChangedEvent | ResourceChangedEvent;
  /** clients.get at delivery time, for client events. */
  seen?: ClientRecord | null;
}

describeWithBackends(['postgres', 'nats'], 'client registry on Postgres and NATS', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let nats: TestNats;
  let replicas: INestApplication[] = [];
  let bus: BusClient;
  let subscriber: NatsConnection;
  const clock = new ManualClock();
  const received: Received[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('latchkey_registry');
    nats = await startTestNats();
    const config = registryConfig({
      databaseUrl: database.url,
      natsUrl: nats.url,
      busTimeoutMs: 15000,
    });
    // Two replicas starting together: migrations and the admin bootstrap race.
    replicas = await Promise.all([startRegistry(config), startRegistry(config)]);
    for (const replica of replicas) clock.install(replica);

    bus = new BusClient(createBusClientProxy({ service: 'gateway', natsUrl: nats.url }), {
      timeoutMs: 15000,
    });
    subscriber = await connect({ servers: nats.url });
    for (const subject of [BroadcastEvents.ClientChanged, BroadcastEvents.ResourceChanged]) {
      subscriber.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return;
          const { data } = msg.json<{ data: Received['data'] }>();
          if (subject !== BroadcastEvents.ClientChanged) {
            received.push({ subject, data });
            return;
          }
          const { client_id } = data as ClientChangedEvent;
          void bus
            .request<ClientRecord | null>(ClientSubjects.Get, { client_id })
            .then((seen) => received.push({ subject, data, seen }));
        },
      });
    }
    await subscriber.flush();
  });

  afterAll(async () => {
    await bus?.close();
    await subscriber?.close();
    await Promise.all(replicas.map((replica) => replica.close()));
    await nats?.stop();
    await database?.drop();
  });

  const request = <T>(subject: string, data: unknown) => bus.request<T>(subject, data);
  const getClient = (client_id: string) =>
    request<ClientRecord | null>(ClientSubjects.Get, { client_id });
  /** The registry serves a live, enabled secret's hash: what the token service checks against. */
  const acceptsSecret = async (client_id: string, secret: string) => {
    const record = await getClient(client_id);
    const hash = sha256Base64Url(secret);
    return !!record && !record.disabled && record.secret_hashes.some((s) => s.hash === hash);
  };
  const dbQuery = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    replicas[0].get(DataSource).query(sql, params);

  async function eventFor(predicate: (event: Received) => boolean): Promise<Received> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = received.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('expected event not received');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const clientEvent = (client_id: string, change: ClientChangedEvent['change']) =>
    eventFor(
      ({ subject, data }) =>
        subject === BroadcastEvents.ClientChanged &&
        (data as ClientChangedEvent).client_id === client_id &&
        data.change === change,
    );

  it('migrated once and bootstrapped one admin client with one secret, though both replicas raced', async () => {
    const migrations = await dbQuery<{ name: string }>(
      `SELECT "name" FROM "client_registry"."migrations" ORDER BY "id"`,
    );
    // Each of the service's migrations exactly once, in order.
    expect(migrations.map((row) => row.name)).toEqual(
      (CLIENT_REGISTRY_PERSISTENCE.migrations as { name: string }[]).map(({ name }) => name),
    );
    const secrets = await dbQuery<{ hash: string }>(
      `SELECT "hash" FROM "client_registry"."client_secrets" WHERE "client_id" = $1`,
      [ADMIN_CLIENT.id],
    );
    expect(secrets).toEqual([{ hash: sha256Base64Url(ADMIN_CLIENT.secret) }]);
    expect(await acceptsSecret(ADMIN_CLIENT.id, ADMIN_CLIENT.secret)).toBe(true);
    expect(await getClient(ADMIN_CLIENT.id)).toMatchObject({
      client_id: ADMIN_CLIENT.id,
      scope: 'admin',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
  });

  it('converges when many bootstraps of a new admin client run at once on both replicas', async () => {
    const admin = { id: 'raced-admin', secret: 'raced-admin-secret-0123456789abcdef' };
    const outcomes = await Promise.all(
      [...replicas, ...replicas, ...replicas].map((replica) =>
        replica.get(AdminClientBootstrap).ensureAdminClient(admin),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'unchanged')).toHaveLength(5);
    const rows = await dbQuery(
      `SELECT 1 FROM "client_registry"."client_secrets" WHERE "client_id" = $1`,
      [admin.id],
    );
    expect(rows).toHaveLength(1);

    const changed = { ...admin, secret: 'changed-admin-secret-0123456789abcdef' };
    const again = await Promise.all(
      replicas.map((replica) => replica.get(AdminClientBootstrap).ensureAdminClient(changed)),
    );
    expect(again.sort()).toEqual(['unchanged', 'updated']);
    expect(await acceptsSecret(admin.id, admin.secret)).toBe(false);
    expect(await acceptsSecret(admin.id, changed.secret)).toBe(true);
  });

  it('runs the client lifecycle over NATS, with a broadcast after each commit', async () => {
    const { client, client_secret } = await request<CreateClientResponse>(ClientSubjects.Create, {
      metadata: WEB_APP,
    });
    expect(client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const record = await getClient(client.client_id);
    expect(record).toEqual({
      ...client,
      secret_hashes: [{ hash: sha256Base64Url(client_secret!), expires_at: null }],
    });
    expect(await acceptsSecret(client.client_id, client_secret!)).toBe(true);
    expect(await acceptsSecret(client.client_id, 'wrong')).toBe(false);
    expect(await acceptsSecret('unknown-client', client_secret!)).toBe(false);

    const list = await request<ListClientsResponse>(ClientSubjects.List, { limit: 200 });
    expect(list.items.map((item) => item.client_id)).toContain(client.client_id);
    expect(JSON.stringify(list)).not.toContain(client_secret);

    const updated = await request<UpdateClientResponse>(ClientSubjects.Update, {
      client_id: client.client_id,
      patch: { disabled: true },
    });
    expect(updated.client.disabled).toBe(true);
    expect(await acceptsSecret(client.client_id, client_secret!)).toBe(false);
    await expectOAuthRejection(
      request(ClientSubjects.Update, {
        client_id: client.client_id,
        patch: { redirect_uris: ['http://evil.example.com/cb'] },
      }),
      InvalidRedirectUri,
      'invalid_redirect_uri',
    );
    await request(ClientSubjects.Update, {
      client_id: client.client_id,
      patch: { disabled: false },
    });

    const rotated = await request<RotateSecretResponse>(ClientSubjects.RotateSecret, {
      client_id: client.client_id,
      grace_period_seconds: 120,
    });
    expect(await acceptsSecret(client.client_id, client_secret!)).toBe(true);
    clock.advance(120);
    expect(await acceptsSecret(client.client_id, client_secret!)).toBe(false);
    expect(await acceptsSecret(client.client_id, rotated.client_secret)).toBe(true);

    expect(await request(ClientSubjects.Delete, { client_id: client.client_id })).toBeNull();
    await expectOAuthRejection(
      request(ClientSubjects.Delete, { client_id: client.client_id }),
      NotFound,
      'not_found',
    );

    // Every change reached a plain NATS subscriber, and a read on delivery saw it committed.
    const created = await clientEvent(client.client_id, 'created');
    expect(created.seen).toMatchObject({ client_id: client.client_id });
    await clientEvent(client.client_id, 'updated');
    await clientEvent(client.client_id, 'secret_rotated');
    const deleted = await clientEvent(client.client_id, 'deleted');
    expect(deleted.seen).toBeNull();
  });

  it('keeps the metadata rules and error codes across the bus', async () => {
    await expectOAuthRejection(
      request(ClientSubjects.Create, {
        metadata: { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
      }),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /must not use client_credentials/,
    );
    await expectOAuthRejection(
      request(ClientSubjects.Create, { metadata: { redirect_uris: [CB], scope: 'admin' } }),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^scope admin is only allowed/,
    );
    await expectOAuthRejection(
      request(ClientSubjects.Create, {
        metadata: { ...SERVICE, default_resource: 'https://unregistered.example.com' },
      }),
      InvalidClientMetadata,
      'invalid_client_metadata',
      /^default_resource is not a registered API resource$/,
    );
    await expectOAuthRejection(
      request(ClientSubjects.List, { cursor: 'forged' }),
      InvalidRequest,
      'invalid_request',
    );
    await expectOAuthRejection(
      request(ClientSubjects.Update, { client_id: ADMIN_CLIENT.id, patch: { disabled: true } }),
      Conflict,
      'conflict',
    );
  });

  it('manages API resources, guarded by the clients that use them', async () => {
    const identifier = 'https://orders.example.com';
    const created = await request<ResourceView>(ResourceSubjects.Create, {
      resource: { identifier, name: 'Orders', scopes: ['orders:read', 'orders:write'] },
    });
    expect(created).toMatchObject({ identifier, access_token_lifetime: 3600 });
    await expectOAuthRejection(
      request(ResourceSubjects.Create, { resource: { identifier, name: 'Again' } }),
      Conflict,
      'conflict',
    );
    await expectOAuthRejection(
      request(ResourceSubjects.Create, {
        resource: { identifier: 'https://b.example.com', name: 'B', scopes: ['openid'] },
      }),
      InvalidRequest,
      'invalid_request',
      /reserved scope openid/,
    );
    const { client } = await request<CreateClientResponse>(ClientSubjects.Create, {
      metadata: { ...SERVICE, default_resource: identifier },
    });
    await expectOAuthRejection(
      request(ResourceSubjects.Delete, { identifier }),
      Conflict,
      'conflict',
      /default_resource/,
    );
    const updated = await request<ResourceView>(ResourceSubjects.Update, {
      identifier,
      patch: { access_token_lifetime: 300 },
    });
    expect(updated.access_token_lifetime).toBe(300);
    expect(await request(ResourceSubjects.Get, { identifier })).toEqual(updated);
    expect(await request<ResourceView[]>(ResourceSubjects.All, {})).toEqual([updated]);
    const page = await request<ListResourcesResponse>(ResourceSubjects.List, { limit: 1 });
    expect(page).toEqual({ items: [updated], next_cursor: null });

    await request(ClientSubjects.Delete, { client_id: client.client_id });
    expect(await request(ResourceSubjects.Delete, { identifier })).toBeNull();
    await expectOAuthRejection(
      request(ResourceSubjects.Get, { identifier }),
      NotFound,
      'not_found',
    );
    for (const change of ['created', 'updated', 'deleted']) {
      await eventFor(
        ({ subject, data }) =>
          subject === BroadcastEvents.ResourceChanged &&
          (data as ResourceChangedEvent).identifier === identifier &&
          data.change === change,
      );
    }
  });

  it('lets exactly one of several parallel registrations use a single-use token', async () => {
    for (let round = 0; round < 5; round++) {
      const { initial_access_token } = await request<CreateInitialAccessTokenResponse>(
        ClientSubjects.CreateInitialAccessToken,
        {},
      );
      const results = await Promise.allSettled(
        [1, 2, 3].map(() =>
          request<RegisterClientResponse>(ClientSubjects.Register, {
            initial_access_token,
            metadata: WEB_APP,
          }),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') {
          await expectOAuthRejection(Promise.reject(result.reason), InvalidToken, 'invalid_token');
        }
      }
    }
  });

  it('counts max_uses exactly under concurrency, and honours expiry', async () => {
    const { initial_access_token } = await request<CreateInitialAccessTokenResponse>(
      ClientSubjects.CreateInitialAccessToken,
      { max_uses: 3, expires_in: 600 },
    );
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        request(ClientSubjects.Register, { initial_access_token, metadata: WEB_APP }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);

    const short = await request<CreateInitialAccessTokenResponse>(
      ClientSubjects.CreateInitialAccessToken,
      { expires_in: 60, max_uses: 5 },
    );
    clock.advance(60);
    await expectOAuthRejection(
      request(ClientSubjects.Register, {
        initial_access_token: short.initial_access_token,
        metadata: WEB_APP,
      }),
      InvalidToken,
      'invalid_token',
    );
  });

  it('manages a registration with its registration access token only', async () => {
    const { initial_access_token } = await request<CreateInitialAccessTokenResponse>(
      ClientSubjects.CreateInitialAccessToken,
      {},
    );
    const reg = await request<RegisterClientResponse>(ClientSubjects.Register, {
      initial_access_token,
      metadata: { ...WEB_APP, token_endpoint_auth_method: 'none' },
    });
    expect(reg).not.toHaveProperty('client_secret');
    const base = {
      client_id: reg.client.client_id,
      registration_access_token: reg.registration_access_token,
    };
    expect(await request(ClientSubjects.ManageRegistration, { ...base, action: 'read' })).toEqual({
      client: reg.client,
    });
    await expectOAuthRejection(
      request(ClientSubjects.ManageRegistration, {
        ...base,
        registration_access_token: 'wrong',
        action: 'read',
      }),
      InvalidToken,
      'invalid_token',
    );
    const updated = await request<ManageRegistrationResponse>(ClientSubjects.ManageRegistration, {
      ...base,
      action: 'update',
      metadata: { redirect_uris: [CB] },
    });
    // Back to the default method, client_secret_basic: its first secret, shown once.
    expect(updated!.client.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(updated!.client).not.toHaveProperty('client_name');
    expect(await acceptsSecret(reg.client.client_id, updated!.client_secret!)).toBe(true);
    expect(
      await request(ClientSubjects.ManageRegistration, { ...base, action: 'delete' }),
    ).toBeNull();
    expect(await getClient(reg.client.client_id)).toBeNull();
  });
});
