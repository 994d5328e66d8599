import { ClientsCache, ResourcesCache } from '@latchkey/registry-client';
import { Logger } from '@nestjs/common';
import { ClientSubjects, ResourceSubjects } from '@latchkey/contracts';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import { FixedClock } from '@latchkey/core';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { webClient } from '../fixtures/client.fixture';
import { ClientCacheInvalidationController } from './client-cache-invalidation.controller';

describe('ClientsCache (gateway)', () => {
  const known = webClient();
  let clock: FixedClock;
  let bus: FakeBus;
  let cache: ClientsCache;
  let resources: ResourcesCache;

  beforeEach(() => {
    clock = new FixedClock(1_700_000_000_000);
    bus = new FakeBus()
      .on(ClientSubjects.Get, (data) => {
        const id = (data as { client_id: string }).client_id;
        return id === 'web-app' ? known : id === 'liar' ? webClient({ client_id: 'other' }) : null;
      })
      .on(ClientSubjects.CorsOrigins, () => ({ origins: ['https://app.example.test'] }))
      .on(ResourceSubjects.All, () => []);
    cache = new ClientsCache(bus.asBusClient(), clock);
    resources = new ResourcesCache(bus.asBusClient(), clock);
  });

  afterEach(() => jest.restoreAllMocks());

  const fetches = () => bus.requestsFor(ClientSubjects.Get).length;

  it('asks the registry once, then answers from memory until the TTL passes', async () => {
    expect(await cache.get('web-app')).toEqual(known);
    expect(await cache.get('web-app')).toEqual(known);
    expect(fetches()).toBe(1);
    clock.advance(ClientsCache.TTL_MS);
    await cache.get('web-app');
    expect(fetches()).toBe(2);
  });

  it('remembers an unknown client briefly', async () => {
    expect(await cache.get('nobody')).toBeNull();
    expect(await cache.get('nobody')).toBeNull();
    expect(fetches()).toBe(1);
    clock.advance(ClientsCache.NEGATIVE_TTL_MS);
    await cache.get('nobody');
    expect(fetches()).toBe(2);
  });

  it('drops an entry on client.changed, everything on an unreadable event', async () => {
    const controller = new ClientCacheInvalidationController(cache, resources);
    await cache.get('web-app');
    controller.clientChanged({ client_id: 'web-app', change: 'updated' });
    await cache.get('web-app');
    expect(fetches()).toBe(2);
    controller.clientChanged(undefined);
    await cache.get('web-app');
    expect(fetches()).toBe(3);
  });

  it('treats a record for another client_id as unknown', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    expect(await cache.get('liar')).toBeNull();
  });

  it('passes a registry outage on without caching it', async () => {
    bus.on(ClientSubjects.Get, () => {
      throw new TemporarilyUnavailable();
    });
    await expect(cache.get('web-app')).rejects.toBeInstanceOf(TemporarilyUnavailable);
    bus.on(ClientSubjects.Get, () => known);
    expect(await cache.get('web-app')).toEqual(known);
  });

  it('keeps the CORS origins of all clients as one set, dropped by any client change', async () => {
    const controller = new ClientCacheInvalidationController(cache, resources);
    const originFetches = () => bus.requestsFor(ClientSubjects.CorsOrigins).length;
    expect([...(await cache.corsOrigins())]).toEqual(['https://app.example.test']);
    await cache.corsOrigins();
    expect(originFetches()).toBe(1);
    controller.clientChanged({ client_id: 'another-app', change: 'created' });
    await cache.corsOrigins();
    expect(originFetches()).toBe(2);
    controller.clientChanged(undefined);
    await cache.corsOrigins();
    expect(originFetches()).toBe(3);
    clock.advance(ClientsCache.TTL_MS);
    await cache.corsOrigins();
    expect(originFetches()).toBe(4);
  });

  it('drops every resource on resource.changed: /authorize and consent read them as they are', async () => {
    const controller = new ClientCacheInvalidationController(cache, resources);
    const resourceFetches = () => bus.requestsFor(ResourceSubjects.All).length;
    await resources.all();
    await resources.all();
    expect(resourceFetches()).toBe(1);
    controller.resourceChanged();
    await resources.all();
    expect(resourceFetches()).toBe(2);
  });
});
