/**
 * The registry's audit events (docs/architecture.md §6), read from its outbox: with no audit service on this
 * in-process bus they stay there, exactly as the relay would deliver them.
 */
import type { INestApplication } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import {
  type AuditEvent,
  type AuditEventType,
  ClientSubjects,
  type CreateClientResponse,
  type CreateInitialAccessTokenResponse,
  type RegisterClientResponse,
  type RotateSecretResponse,
} from '@latchkey/contracts';
import { InvalidClientMetadata } from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';
import type { DataSource } from 'typeorm';
import { ADMIN_CLIENT, registryConfig, startRegistry } from '../fixtures/registry.fixture';

jest.setTimeout(30_000);

const SERVICE = {
  client_name: 'Billing job',
  grant_types: ['client_credentials'],
  scope: 'orders:read',
};

let app: INestApplication;
let bus: BusClient;
let dataSource: DataSource;

beforeAll(async () => {
  app = await startRegistry(registryConfig());
  bus = app.get(BusClient);
  dataSource = app.get<DataSource>(getDataSourceToken());
});

afterAll(async () => {
  await app?.close();
});

async function outbox(): Promise<AuditEvent[]> {
  const rows: { event: AuditEvent }[] = await dataSource.query(
    `SELECT "event" FROM "client_registry"."audit_outbox" ORDER BY "seq"`,
  );
  return rows.map((row) => row.event);
}

async function eventsFor(clientId: string, type?: AuditEventType): Promise<AuditEvent[]> {
  return (await outbox()).filter(
    (event) => event.subject === clientId && (type === undefined || event.type === type),
  );
}

const createClient = (metadata: unknown) =>
  bus.request<CreateClientResponse>(ClientSubjects.Create, { metadata });

describe('client registry audit events', () => {
  it('records the admin client created from configuration at start', async () => {
    expect(await eventsFor(ADMIN_CLIENT.id)).toEqual([
      expect.objectContaining({
        source: expect.stringMatching(/\/client-registry$/) as unknown,
        type: 'client.created',
        data: expect.objectContaining({
          client_id: ADMIN_CLIENT.id,
          via: 'configuration',
          secret_replaced: true,
        }) as unknown,
      }),
    ]);
  });

  it('records create, update, disable, rotation and delete, never the secret', async () => {
    const { client, client_secret } = await createClient(SERVICE);
    const id = client.client_id;
    await bus.request(ClientSubjects.Update, { client_id: id, patch: { client_name: 'Billing' } });
    await bus.request(ClientSubjects.Update, { client_id: id, patch: { disabled: true } });
    const rotated = await bus.request<RotateSecretResponse>(ClientSubjects.RotateSecret, {
      client_id: id,
      grace_period_seconds: 60,
    });
    await bus.request(ClientSubjects.Delete, { client_id: id });

    const events = await eventsFor(id);
    // Each event names its actor too (docs/audit-events.md); the facts are the rest of data.
    const facts = (data: Record<string, unknown>) => {
      const { actor: _actor, ...rest } = data;
      return rest;
    };
    expect(
      events.map((event) => [event.type, facts(event.data as Record<string, unknown>)]),
    ).toEqual([
      [
        'client.created',
        {
          client_id: id,
          client_name: 'Billing job',
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: 'orders:read',
          via: 'admin',
        },
      ],
      [
        'client.updated',
        { client_id: id, changed: ['client_name'], disabled: false, via: 'admin' },
      ],
      ['client.updated', { client_id: id, changed: ['disabled'], disabled: true, via: 'admin' }],
      ['client.secret_rotated', { client_id: id, grace_period_seconds: 60 }],
      ['client.deleted', { client_id: id, via: 'admin' }],
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        specversion: '1.0',
        source: expect.stringMatching(/\/client-registry$/) as unknown,
        subject: id,
        datacontenttype: 'application/json',
      });
    }
    const everything = JSON.stringify(await outbox());
    expect(everything).not.toContain(client_secret);
    expect(everything).not.toContain(rotated.client_secret);
  });

  it('records nothing for a change that failed (the event commits with the change)', async () => {
    const { client } = await createClient(SERVICE);
    const before = await eventsFor(client.client_id);
    await expect(
      bus.request(ClientSubjects.Update, {
        client_id: client.client_id,
        patch: { grant_types: ['no_such_grant'] },
      }),
    ).rejects.toBeInstanceOf(InvalidClientMetadata);
    expect(await eventsFor(client.client_id)).toEqual(before);
  });

  it('records dynamic registration, never the registration access token', async () => {
    const { initial_access_token } = await bus.request<CreateInitialAccessTokenResponse>(
      ClientSubjects.CreateInitialAccessToken,
      {},
    );
    const registered = await bus.request<RegisterClientResponse>(ClientSubjects.Register, {
      initial_access_token,
      metadata: { redirect_uris: ['https://app.example.com/cb'], client_name: 'Self-made' },
    });
    const id = registered.client.client_id;
    await bus.request(ClientSubjects.ManageRegistration, {
      client_id: id,
      registration_access_token: registered.registration_access_token,
      action: 'delete',
    });
    const events = await eventsFor(id);
    expect(events.map((event) => [event.type, event.data.via])).toEqual([
      ['client.created', 'registration'],
      ['client.deleted', 'registration'],
    ]);
    const everything = JSON.stringify(await outbox());
    expect(everything).not.toContain(registered.registration_access_token);
    expect(everything).not.toContain(initial_access_token);
    expect(everything).not.toContain(registered.client_secret);
  });
});
