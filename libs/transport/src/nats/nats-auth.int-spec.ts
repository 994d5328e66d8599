/**
 * NATS authentication from the configuration (NATS_USER/NATS_PASSWORD, NATS_NKEY_SEED), against a
 * private nats-server that requires it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { nkeys } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { haveNatsServer, startTestNats, type TestNats } from '@latchkey/testing';
import { natsAuthOptions, natsConnectionOptions } from './nats.options';

const describeAuth = haveNatsServer() ? describe : describe.skip;

describe('natsAuthOptions', () => {
  it('adds nothing without credentials', () => {
    expect(natsAuthOptions(undefined)).toEqual({});
  });

  it('maps user and password, and TLS files', () => {
    expect(
      natsAuthOptions({
        user: 'token',
        password: 'p',
        tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' },
      }),
    ).toEqual({
      user: 'token',
      pass: 'p',
      tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' },
    });
  });

  it('uses an authenticator for an NKey seed or a credentials file', () => {
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    expect(natsAuthOptions({ nkeySeed: seed }).authenticator).toEqual(expect.any(Function));
    expect(natsAuthOptions({ credsFile: '/x.creds' }).authenticator).toEqual(expect.any(Function));
  });
});

describeAuth('NATS authentication (private nats-server)', () => {
  const user = nkeys.createUser();
  const seed = new TextDecoder().decode(user.getSeed());
  let nats: TestNats;
  let file: string;

  beforeAll(async () => {
    file = `/tmp/latchkey-nats-auth-${process.pid}.conf`;
    writeFileSync(
      file,
      `authorization { users = [ { nkey: ${user.getPublicKey()} }, { user: token, password: $PW } ] }\n`,
    );
    nats = await startTestNats({ config: { file, env: { PW: 'the-password' } } });
  });

  afterAll(async () => {
    await nats?.stop();
    rmSync(file, { force: true });
    rmSync(`/tmp/latchkey-test-nats-${nats?.port}.conf`, { force: true });
  });

  const open = (auth: Parameters<typeof natsAuthOptions>[0]) =>
    connect({
      ...natsConnectionOptions({ natsUrl: nats.url, name: 'auth-test', auth }),
      waitOnFirstConnect: false,
      reconnect: false,
    });

  it('connects with an NKey seed', async () => {
    const nc = await open({ nkeySeed: seed });
    await expect(nc.flush()).resolves.toBeUndefined();
    await nc.close();
  });

  it('connects with a user and password', async () => {
    const nc = await open({ user: 'token', password: 'the-password' });
    await nc.close();
  });

  it('is refused without credentials, with a wrong password or an unknown NKey', async () => {
    const other = new TextDecoder().decode(nkeys.createUser().getSeed());
    await expect(open(undefined)).rejects.toThrow(/authorization/i);
    await expect(open({ user: 'token', password: 'wrong' })).rejects.toThrow(/authorization/i);
    await expect(open({ nkeySeed: other })).rejects.toThrow(/authorization/i);
  });
});
