import { Logger } from '@nestjs/common';
import { BroadcastEvents } from '@latchkey/contracts';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import type { BusClient } from '@latchkey/transport';
import { ChangePublisher } from './change-publisher';

describe('ChangePublisher', () => {
  afterEach(() => jest.restoreAllMocks());

  it('broadcasts client and resource changes on their subjects', async () => {
    const emit = jest.fn().mockResolvedValue(undefined);
    const publisher = new ChangePublisher({ emit } as unknown as BusClient);
    await publisher.clientChanged({ client_id: 'c1', change: 'secret_rotated' });
    await publisher.resourceChanged({ identifier: 'https://api.example.com', change: 'deleted' });
    expect(emit.mock.calls).toEqual([
      [BroadcastEvents.ClientChanged, { client_id: 'c1', change: 'secret_rotated' }],
      [
        BroadcastEvents.ResourceChanged,
        { identifier: 'https://api.example.com', change: 'deleted' },
      ],
    ]);
  });

  it('logs an event the bus refused instead of failing a change that is already committed', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const emit = jest.fn().mockRejectedValue(new TemporarilyUnavailable());
    const publisher = new ChangePublisher({ emit } as unknown as BusClient);
    await expect(publisher.clientChanged({ client_id: 'c1', change: 'deleted' })).resolves.toBe(
      undefined,
    );
    expect(logged).toHaveBeenCalledWith(
      expect.stringContaining('could not publish client.changed'),
    );
  });
});
