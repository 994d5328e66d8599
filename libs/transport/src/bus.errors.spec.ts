import {
  ClosedConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError as NatsTimeoutError,
} from '@nats-io/nats-core';
import { isBackendUnavailable } from '@latchkey/oauth';
import { TimeoutError as RxTimeoutError } from 'rxjs';
import { BusUnavailableError, toBusError } from './bus.errors';

describe('toBusError', () => {
  it.each([
    ['a NATS request timeout', new NatsTimeoutError()],
    ['no responders on the subject', new NoRespondersError('token.exchange')],
    [
      'a request that failed for no responders',
      new RequestError('no responders', { cause: new NoRespondersError('token.exchange') }),
    ],
    ['a closed connection', new ClosedConnectionError()],
    ['a deadline of the bus client', new RxTimeoutError()],
  ])('turns %s into BUS_UNAVAILABLE, keeping the cause', (_name, err) => {
    const mapped = toBusError(err);
    expect(mapped).toBeInstanceOf(BusUnavailableError);
    expect((mapped as BusUnavailableError).code).toBe('BUS_UNAVAILABLE');
    expect((mapped as BusUnavailableError).cause).toBe(err);
    expect(isBackendUnavailable(mapped)).toBe(true);
  });

  it('leaves everything else as it is, whatever its message says', () => {
    const bug = new TypeError('timeout');
    expect(toBusError(bug)).toBe(bug);
    const plain = new Error('no responders available for request');
    expect(toBusError(plain)).toBe(plain);
    const already = new BusUnavailableError();
    expect(toBusError(already)).toBe(already);
  });
});
