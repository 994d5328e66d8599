import { TokenSubjects } from '@latchkey/contracts';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import { FakeBus } from '../fixtures/fake-bus.fixture';
import { UserAccessService } from './user-access.service';
import { UserEvents, type UserAccessEnded } from './user-events';

describe('UserAccessService and UserEvents', () => {
  let bus: FakeBus;
  let events: UserEvents;
  let service: UserAccessService;
  let ended: UserAccessEnded[];

  beforeEach(() => {
    bus = new FakeBus().on(TokenSubjects.RevokeUserGrants, () => ({ revoked: 2 }));
    events = new UserEvents();
    ended = [];
    events.onAccessEnded((event) => void ended.push(event));
    service = new UserAccessService(bus.asBusClient(), events);
  });

  it('revokes the grants at the token service and tells the listeners', async () => {
    await service.endAccess('sub-1', 'disabled');
    expect(bus.requestsFor(TokenSubjects.RevokeUserGrants)).toEqual([{ sub: 'sub-1' }]);
    expect(ended).toEqual([{ sub: 'sub-1', reason: 'disabled' }]);
  });

  it('ends the sessions even when the token service is down, then fails with 503', async () => {
    bus.on(TokenSubjects.RevokeUserGrants, () => {
      throw new TemporarilyUnavailable();
    });
    await expect(service.endAccess('sub-1', 'deleted')).rejects.toBeInstanceOf(
      TemporarilyUnavailable,
    );
    expect(ended).toEqual([{ sub: 'sub-1', reason: 'deleted' }]);
  });

  it('revokes the grants even when a listener fails, then fails with its error', async () => {
    const kvDown = Object.assign(new Error('kv down'), { code: 'KV_UNAVAILABLE' });
    events.onAccessEnded(() => Promise.reject(kvDown));
    await expect(service.endAccess('sub-1', 'disabled')).rejects.toBe(kvDown);
    expect(bus.requestsFor(TokenSubjects.RevokeUserGrants)).toEqual([{ sub: 'sub-1' }]);
    expect(ended).toHaveLength(1);
  });

  it('runs every listener when one throws synchronously; unsubscribing stops delivery', async () => {
    const later: string[] = [];
    const unsubscribe = events.onAccessEnded(() => {
      throw new Error('boom');
    });
    events.onAccessEnded(({ sub }) => void later.push(sub));
    await expect(events.accessEnded({ sub: 'sub-2', reason: 'disabled' })).rejects.toThrow('boom');
    expect(later).toEqual(['sub-2']);
    unsubscribe();
    await expect(events.accessEnded({ sub: 'sub-3', reason: 'disabled' })).resolves.toBeUndefined();
    expect(later).toEqual(['sub-2', 'sub-3']);
  });
});
