import type { ArgumentsHost } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { NoRespondersError, TimeoutError as NatsTimeoutError } from '@nats-io/nats-core';
import { InvalidGrant, type SerializedOAuthError } from '@latchkey/oauth';
import { lastValueFrom } from 'rxjs';
import { RpcErrorFilter } from './rpc-error.filter';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

/** What the filter puts on the wire for `exception`. */
async function answerTo(exception: unknown): Promise<SerializedOAuthError> {
  const host = {
    getType: () => 'rpc',
    switchToRpc: () => ({ getContext: () => ({ getSubject: () => 'token.exchange' }) }),
  } as unknown as ArgumentsHost;
  try {
    await lastValueFrom(new RpcErrorFilter().catch(exception, host));
  } catch (sent) {
    return sent as SerializedOAuthError;
  }
  throw new Error('the filter sent no error');
}

const UNAVAILABLE = {
  kind: 'oauth_error',
  status: 503,
  error: 'temporarily_unavailable',
  error_description: 'the service is temporarily unavailable, try again later',
};

describe('RpcErrorFilter', () => {
  beforeEach(() => {
    for (const level of ['warn', 'error', 'debug'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
    }
  });
  afterEach(() => jest.restoreAllMocks());

  it('sends an OAuthError as data, also one wrapped in an RpcException', async () => {
    const expected = new InvalidGrant('expired').serialize();
    await expect(answerTo(new InvalidGrant('expired'))).resolves.toEqual(expected);
    await expect(answerTo(new RpcException(expected))).resolves.toEqual(expected);
  });

  it.each([
    ['the database', coded('DATABASE_UNAVAILABLE', 'database unavailable: ECONNREFUSED')],
    ['the key-value store', coded('KV_UNAVAILABLE', 'Redis unavailable: max retries')],
    ['the bus, already classified', coded('BUS_UNAVAILABLE')],
    ['a NATS timeout', new NatsTimeoutError()],
    ['NATS no responders', new NoRespondersError('clients.get')],
  ])('answers an outage of %s with 503 temporarily_unavailable, no detail', async (_n, err) => {
    await expect(answerTo(err)).resolves.toEqual(UNAVAILABLE);
    expect(Logger.prototype.warn).toHaveBeenCalled();
  });

  it('answers anything else with a generic server_error, whatever its message says', async () => {
    const generic = { kind: 'oauth_error', status: 500, error: 'server_error' };
    await expect(answerTo(new TypeError('secret detail'))).resolves.toMatchObject(generic);
    await expect(answerTo(new Error('database unavailable'))).resolves.toMatchObject(generic);
    await expect(answerTo(coded('ECONNREFUSED'))).resolves.toMatchObject(generic);
    const answer = await answerTo(new TypeError('secret detail'));
    expect(JSON.stringify(answer)).not.toContain('secret detail');
  });
});
