import type { ClaimScopesCache } from '@latchkey/registry-client';
import { ClientsCache, ResourcesCache } from '@latchkey/registry-client';
import { Logger } from '@nestjs/common';
import { ClientSubjects, ResourceSubjects } from '@latchkey/contracts';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import type { BusClient } from '@latchkey/transport';
import { FixedClock } from '@latchkey/core';
import { clientRecord, resourceView } from '../fixtures/registry.fixture';
import { CacheInvalidationController } from './cache-invalidation.controller';

function fakeBus(answer: (subject: string, data: unknown) => unknown) {
  const request = jest.fn(async (subject: string, data: unknown) => answer(subject, data));
  return { bus: { request } as unknown as BusClient, request };
}

describe('ClientsCache', () => {
  const clock = new FixedClock(1_700_000_000_000);
  const known = clientRecord({ client_id: 'known' });

  const setup = () => {
    const { bus, request } = fakeBus((subject, data) => {
      expect(subject).toBe(ClientSubjects.Get);
      const id = (data as { client_id: string }).client_id;
      return id === 'known' ? known : id === 'liar' ? clientRecord({ client_id: 'other' }) : null;
    });
    return { cache: new ClientsCache(bus, clock), request };
  };

  it('asks the registry once for a known client', async () => {
    const { cache, request } = setup();
    expect(await cache.get('known')).toEqual(known);
    expect(await cache.get('known')).toEqual(known);
    expect(request).toHaveBeenCalledTimes(1);
    expect(request).toHaveBeenCalledWith(ClientSubjects.Get, { client_id: 'known' });
  });

  it('refetches after the TTL safety net', async () => {
    const { cache, request } = setup();
    await cache.get('known');
    clock.advance(ClientsCache.TTL_MS);
    await cache.get('known');
    expect(request).toHaveBeenCalledTimes(2);
  });

  it('remembers an unknown client briefly', async () => {
    const { cache, request } = setup();
    expect(await cache.get('nobody')).toBeNull();
    expect(await cache.get('nobody')).toBeNull();
    expect(request).toHaveBeenCalledTimes(1);
    clock.advance(ClientsCache.NEGATIVE_TTL_MS);
    await cache.get('nobody');
    expect(request).toHaveBeenCalledTimes(2);
  });

  it('fetches again after invalidate', async () => {
    const { cache, request } = setup();
    await cache.get('known');
    cache.invalidate('known');
    await cache.get('known');
    expect(request).toHaveBeenCalledTimes(2);
  });

  it('treats a record for another client_id as unknown', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { cache } = setup();
    expect(await cache.get('liar')).toBeNull();
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });

  it('passes a registry failure on without caching it', async () => {
    let down = true;
    const { bus, request } = fakeBus(() => {
      if (down) throw new TemporarilyUnavailable();
      return known;
    });
    const cache = new ClientsCache(bus, clock);
    await expect(cache.get('known')).rejects.toBeInstanceOf(TemporarilyUnavailable);
    down = false;
    expect(await cache.get('known')).toEqual(known);
    expect(request).toHaveBeenCalledTimes(2);
  });
});

describe('ResourcesCache', () => {
  const clock = new FixedClock(1_700_000_000_000);

  it('fetches every resource once and finds them by exact identifier', async () => {
    const orders = resourceView();
    const { bus, request } = fakeBus((subject) => {
      expect(subject).toBe(ResourceSubjects.All);
      return [orders];
    });
    const cache = new ResourcesCache(bus, clock);
    expect(await cache.get(orders.identifier)).toEqual(orders);
    expect(await cache.get(`${orders.identifier}/`)).toBeUndefined();
    expect(request).toHaveBeenCalledTimes(1);
    cache.invalidate();
    await cache.get(orders.identifier);
    expect(request).toHaveBeenCalledTimes(2);
    clock.advance(ResourcesCache.TTL_MS);
    await cache.get(orders.identifier);
    expect(request).toHaveBeenCalledTimes(3);
  });

  it('fails closed on an answer of the wrong shape', async () => {
    const { bus } = fakeBus(() => ({ items: [] }));
    await expect(new ResourcesCache(bus, clock).get('x')).rejects.toBeInstanceOf(
      TemporarilyUnavailable,
    );
  });
});

describe('CacheInvalidationController', () => {
  it('drops the changed client, everything on an unreadable event, and the resources', () => {
    const clients = { invalidate: jest.fn(), invalidateAll: jest.fn() };
    const resources = { invalidate: jest.fn() };
    const controller = new CacheInvalidationController(
      clients as unknown as ClientsCache,
      resources as unknown as ResourcesCache,
      { invalidate: jest.fn() } as unknown as ClaimScopesCache,
    );
    controller.clientChanged({ client_id: 'a', change: 'updated' });
    expect(clients.invalidate).toHaveBeenCalledWith('a');
    controller.clientChanged(undefined);
    expect(clients.invalidateAll).toHaveBeenCalledTimes(1);
    controller.resourceChanged();
    expect(resources.invalidate).toHaveBeenCalledTimes(1);
  });
});
