/**
 * NATS authentication from the configuration (NATS_USER/NATS_PASSWORD, NATS_NKEY_SEED,
 * NATS_CREDS_FILE, NATS_TLS_*), against a private nats-server that requires it.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { loadConfig } from '@latchkey/config';
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

describeAuth('NATS over mutual TLS (private nats-server, certificates made with openssl)', () => {
  let dir: string;
  let nats: TestNats;
  const file = (name: string) => path.join(dir, name);

  /** A P-256 key and a certificate for `name`, signed by the test CA. */
  const issue = (name: string, extension: string) => {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    openssl(
      'req',
      ...['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${name}`],
    );
    writeFileSync(file(`${name}.ext`), `${extension}\n`);
    openssl(
      'x509',
      ...['-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key')],
      ...['-CAcreateserial', '-days', '1', '-out', file(`${name}.pem`)],
      ...['-extfile', file(`${name}.ext`)],
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'latchkey-nats-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        ...['-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1'],
        ...['-subj', '/CN=Latchkey test CA'],
      ],
      { stdio: 'pipe' },
    );
    issue('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
    issue('token', 'extendedKeyUsage=clientAuth');
    // TLS required, and a client certificate signed by the CA (verify).
    writeFileSync(
      file('nats.conf'),
      `tls { cert_file: "${file('server.pem')}", key_file: "${file('server.key')}", ca_file: "${file('ca.pem')}", verify: true }\n`,
    );
    nats = await startTestNats({ config: { file: file('nats.conf'), env: {} } });
  });

  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/tmp/latchkey-test-nats-${nats?.port}.conf`, { force: true });
  });

  /** A connection as a service makes it, from its environment. */
  const open = (env: Record<string, string>) => {
    const config = loadConfig({ NATS_URL: nats.url, ...env });
    return connect({
      ...natsConnectionOptions({ natsUrl: nats.url, name: 'tls-test', auth: config.natsAuth }),
      waitOnFirstConnect: false,
      reconnect: false,
      timeout: 5_000,
    });
  };

  it('connects with NATS_TLS_CA_FILE, NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE', async () => {
    const nc = await open({
      NATS_TLS_CA_FILE: file('ca.pem'),
      NATS_TLS_CERT_FILE: file('token.pem'),
      NATS_TLS_KEY_FILE: file('token.key'),
    });
    await expect(nc.flush()).resolves.toBeUndefined();
    expect(nc.info?.tls_required).toBe(true);
    await nc.close();
  });

  it('does not connect without TLS settings, and is refused without a client certificate', async () => {
    // Without the CA the client cannot trust the server (and sends no certificate either).
    await expect(open({})).rejects.toThrow(/unable to verify|certificate/i);
    // With the CA only, the server refuses the handshake: TLS alert 42, bad certificate.
    await expect(open({ NATS_TLS_CA_FILE: file('ca.pem') })).rejects.toThrow(/bad certificate/i);
  });
});

/** A JWT as the NATS tools sign them (nsc): Ed25519 by an NKey, `ed25519-nkey`. */
function natsJwt(signer: ReturnType<typeof nkeys.createOperator>, claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = { jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims };
  const signed = `${part({ typ: 'JWT', alg: 'ed25519-nkey' })}.${part(body)}`;
  return `${signed}.${Buffer.from(signer.sign(new TextEncoder().encode(signed))).toString('base64url')}`;
}

describeAuth('NATS with a credentials file (operator mode, private nats-server)', () => {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  let dir: string;
  let nats: TestNats;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'latchkey-nats-creds-'));
    const operatorJwt = natsJwt(operator, {
      iss: operator.getPublicKey(),
      sub: operator.getPublicKey(),
      name: 'latchkey-test',
      nats: { type: 'operator', version: 2 },
    });
    const accountJwt = natsJwt(operator, {
      iss: operator.getPublicKey(),
      sub: account.getPublicKey(),
      name: 'LATCHKEY',
      nats: {
        limits: {
          subs: -1,
          data: -1,
          payload: -1,
          imports: -1,
          exports: -1,
          wildcards: true,
          conn: -1,
          leaf: -1,
        },
        default_permissions: { pub: {}, sub: {} },
        type: 'account',
        version: 2,
      },
    });
    writeFileSync(
      path.join(dir, 'nats.conf'),
      `operator: ${operatorJwt}\nresolver: MEMORY\nresolver_preload: { ${account.getPublicKey()}: ${accountJwt} }\n`,
    );
    nats = await startTestNats({ config: { file: path.join(dir, 'nats.conf'), env: {} } });
  });

  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/tmp/latchkey-test-nats-${nats?.port}.conf`, { force: true });
  });

  /** A user of the account and its credentials file, as `nsc generate creds` writes it. */
  const credsFile = (name: string, signer = account) => {
    const user = nkeys.createUser();
    const jwt = natsJwt(signer, {
      iss: signer.getPublicKey(),
      sub: user.getPublicKey(),
      name,
      nats: { pub: {}, sub: {}, subs: -1, data: -1, payload: -1, type: 'user', version: 2 },
    });
    const seed = new TextDecoder().decode(user.getSeed());
    const file = path.join(dir, `${name}.creds`);
    writeFileSync(
      file,
      `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
    );
    return file;
  };

  const open = (env: Record<string, string>) =>
    connect({
      ...natsConnectionOptions({
        natsUrl: nats.url,
        name: 'creds-test',
        auth: loadConfig({ NATS_URL: nats.url, ...env }).natsAuth,
      }),
      waitOnFirstConnect: false,
      reconnect: false,
    });

  it('connects with NATS_CREDS_FILE', async () => {
    const nc = await open({ NATS_CREDS_FILE: credsFile('token') });
    await expect(nc.flush()).resolves.toBeUndefined();
    await nc.close();
  });

  it('is refused without credentials, and with a user the account did not sign', async () => {
    await expect(open({})).rejects.toThrow(/authorization/i);
    const stranger = credsFile('stranger', nkeys.createAccount());
    await expect(open({ NATS_CREDS_FILE: stranger })).rejects.toThrow(/authorization/i);
  });
});
