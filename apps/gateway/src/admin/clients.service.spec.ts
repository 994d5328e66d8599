import { ClientSubjects, type ClientRecord } from '@latchkey/contracts';
import { FixedClock } from '@latchkey/core';
import { InvalidRequest, NotFound, TemporarilyUnavailable } from '@latchkey/oauth';
import { ClientsCache } from '@latchkey/registry-client';
import { expectOAuthRejection } from '@latchkey/testing';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { AdminClientsService } from './clients.service';

const RECORD: ClientRecord = {
  client_id: 'c1',
  client_id_issued_at: 1_800_000_000,
  client_secret_expires_at: 0,
  application_type: 'web',
  redirect_uris: [],
  post_logout_redirect_uris: [],
  grant_types: ['client_credentials'],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
  skip_consent: false,
  disabled: false,
  created_at: '2027-01-15T08:00:00.000Z',
  updated_at: '2027-01-15T08:00:00.000Z',
  secret_hashes: [{ hash: 'stored-hash', expires_at: null }],
};

describe('AdminClientsService', () => {
  let bus: FakeBus;
  let service: AdminClientsService;
  let cache: ClientsCache;

  beforeEach(() => {
    bus = new FakeBus();
    cache = new ClientsCache(bus.asBusClient(), new FixedClock(1_800_000_000_000));
    service = new AdminClientsService(bus.asBusClient(), cache);
  });

  it('creates: the metadata goes to the registry as sent; the answer is flat, with the secret once', async () => {
    bus.on(ClientSubjects.Create, () => ({ client: RECORD, client_secret: 'plain' }));
    const created = await service.create({ grant_types: ['client_credentials'] });
    expect(bus.requestsFor(ClientSubjects.Create)).toEqual([
      { metadata: { grant_types: ['client_credentials'] } },
    ]);
    expect(created).toMatchObject({ client_id: 'c1', client_secret: 'plain' });
    expect(created).not.toHaveProperty('secret_hashes');
  });

  it('gets: the secret hashes of the record never leave the gateway', async () => {
    bus.on(ClientSubjects.Get, () => RECORD);
    const client = await service.get('c1');
    expect(bus.requestsFor(ClientSubjects.Get)).toEqual([{ client_id: 'c1' }]);
    expect(client).not.toHaveProperty('secret_hashes');
    expect(JSON.stringify(client)).not.toContain('stored-hash');
  });

  it('gets: an unknown client is 404 not_found', async () => {
    bus.on(ClientSubjects.Get, () => null);
    await expectOAuthRejection(service.get('nope'), NotFound, { error: 'not_found', status: 404 });
  });

  it('lists: strips every item, keeps the cursor', async () => {
    bus.on(ClientSubjects.List, () => ({ items: [RECORD, RECORD], next_cursor: 'next' }));
    const page = await service.list({ limit: 2, cursor: 'c' });
    expect(bus.requestsFor(ClientSubjects.List)).toEqual([{ limit: 2, cursor: 'c' }]);
    expect(page.next_cursor).toBe('next');
    expect(page.items).toHaveLength(2);
    for (const item of page.items) expect(item).not.toHaveProperty('secret_hashes');
  });

  it('updates: answers a first secret when the patch made the client confidential', async () => {
    bus.on(ClientSubjects.Update, () => ({ client: RECORD, client_secret: 'first' }));
    const updated = await service.update('c1', {
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(bus.requestsFor(ClientSubjects.Update)).toEqual([
      { client_id: 'c1', patch: { token_endpoint_auth_method: 'client_secret_basic' } },
    ]);
    expect(updated).toMatchObject({ client_id: 'c1', client_secret: 'first' });
  });

  it('updates: no client_secret key when none was issued', async () => {
    bus.on(ClientSubjects.Update, () => ({ client: RECORD }));
    expect(await service.update('c1', {})).not.toHaveProperty('client_secret');
  });

  // The replica that answers a change never serves its old copy afterwards, whenever the
  // client.changed broadcast arrives: tokens of a disabled or deleted client stop at once.
  it.each([
    ['updates', ClientSubjects.Update, () => service.update('c1', { disabled: true })],
    ['deletes', ClientSubjects.Delete, () => service.delete('c1')],
    ['rotates', ClientSubjects.RotateSecret, () => service.rotateSecret('c1', {})],
  ] as const)(
    '%s: drops the cached copy of the client before answering',
    async (_, subject, run) => {
      bus.on(ClientSubjects.Get, () => RECORD);
      bus.on(subject, () => ({ client: RECORD, client_secret: 'new' }));
      await cache.get('c1');
      await run();
      await cache.get('c1');
      expect(bus.requestsFor(ClientSubjects.Get)).toHaveLength(2);
    },
  );

  it('drops the cached copy also when the change failed (it may have happened)', async () => {
    bus.on(ClientSubjects.Get, () => RECORD);
    bus.on(ClientSubjects.Delete, () => {
      throw new TemporarilyUnavailable();
    });
    await cache.get('c1');
    await expect(service.delete('c1')).rejects.toBeInstanceOf(TemporarilyUnavailable);
    await cache.get('c1');
    expect(bus.requestsFor(ClientSubjects.Get)).toHaveLength(2);
  });

  it('rotates: forwards the grace period and answers the new secret', async () => {
    bus.on(ClientSubjects.RotateSecret, () => ({ client: RECORD, client_secret: 'new' }));
    const rotated = await service.rotateSecret('c1', { grace_period_seconds: 600 });
    expect(bus.requestsFor(ClientSubjects.RotateSecret)).toEqual([
      { client_id: 'c1', grace_period_seconds: 600 },
    ]);
    expect(rotated).toMatchObject({ client_id: 'c1', client_secret: 'new' });
    expect(rotated).not.toHaveProperty('secret_hashes');
  });

  it('rotates: no grace period asked, none sent', async () => {
    bus.on(ClientSubjects.RotateSecret, () => ({ client: RECORD, client_secret: 'new' }));
    await service.rotateSecret('c1', {});
    expect(bus.requestsFor(ClientSubjects.RotateSecret)).toEqual([{ client_id: 'c1' }]);
  });

  it.each([-1, 1.5, '60', true])(
    'rotates: refuses grace_period_seconds %j before the registry',
    async (grace) => {
      await expectOAuthRejection(
        service.rotateSecret('c1', { grace_period_seconds: grace }),
        InvalidRequest,
        {
          error: 'invalid_request',
          status: 400,
          description: /grace_period_seconds/,
        },
      );
      expect(bus.requests).toHaveLength(0);
    },
  );

  it('issues an initial access token with the given lifetime and uses', async () => {
    bus.on(ClientSubjects.CreateInitialAccessToken, () => ({
      initial_access_token: 'iat',
      expires_at: '2027-01-16T08:00:00.000Z',
      max_uses: 3,
    }));
    const issued = await service.createInitialAccessToken({ expires_in: 3600, max_uses: 3 });
    expect(bus.requestsFor(ClientSubjects.CreateInitialAccessToken)).toEqual([
      { expires_in: 3600, max_uses: 3 },
    ]);
    expect(issued.initial_access_token).toBe('iat');
  });

  it.each([
    [{ expires_in: 0 }, /expires_in/],
    [{ expires_in: '3600' }, /expires_in/],
    [{ max_uses: 0 }, /max_uses/],
  ])('refuses the initial access token request %j', async (body, description) => {
    await expectOAuthRejection(service.createInitialAccessToken(body), InvalidRequest, {
      error: 'invalid_request',
      status: 400,
      description,
    });
  });
});
