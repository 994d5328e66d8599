import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'ldapts';
import { freePort } from '../processes';

/**
 * A private OpenLDAP server for the tests (Debian's `slapd`, installed by `.ci/run`): its own
 * configuration, database and TLS certificates in a temporary directory, listening on free
 * loopback ports (ldaps:// and ldap:// with StartTLS), loaded with the given entries, stopped and
 * removed after. Never touches a system slapd.
 */
export interface Slapd {
  /** `ldaps://127.0.0.1:<port>` */
  ldapsUrl: string;
  /** `ldap://127.0.0.1:<port>` (StartTLS) */
  ldapUrl: string;
  suffix: string;
  /** The PEM certificate of the test CA that signed the server's certificate. */
  caPem: string;
  /** A service account allowed to search (`cn=latchkey,ou=services,<suffix>`). */
  serviceDn: string;
  servicePassword: string;
  stop(): Promise<void>;
  /** Stops the server and removes its directory. */
  dispose(): Promise<void>;
}

export interface DirectoryUser {
  uid: string;
  password: string;
  mail?: string;
  cn: string;
  givenName?: string;
  sn: string;
}

export interface DirectoryGroup {
  cn: string;
  /** uids of the members. */
  members: string[];
}

const SLAPD = '/usr/sbin/slapd';
const SUFFIX = 'dc=latchkey,dc=test';

export async function startSlapd(seed: {
  users: DirectoryUser[];
  groups: DirectoryGroup[];
}): Promise<Slapd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-slapd-'));
  const rootPassword = randomBytes(18).toString('base64url');
  const servicePassword = randomBytes(18).toString('base64url');
  const caPem = makeCertificates(dir);
  mkdirSync(path.join(dir, 'db'));
  const conf = path.join(dir, 'slapd.conf');
  writeFileSync(conf, slapdConf(dir, rootPassword));
  const [ldapsPort, ldapPort] = [await freePort(), await freePort()];
  const ldapsUrl = `ldaps://127.0.0.1:${ldapsPort}`;
  const ldapUrl = `ldap://127.0.0.1:${ldapPort}`;
  let output = '';
  const child: ChildProcess = spawn(
    SLAPD,
    ['-f', conf, '-h', `${ldapsUrl}/ ${ldapUrl}/`, '-d', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitForPort(
      ldapsPort,
      () => child.exitCode !== null,
      () => output,
    );
    await seedEntries(ldapsUrl, caPem, rootPassword, servicePassword, seed);
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ldapsUrl,
    ldapUrl,
    suffix: SUFFIX,
    caPem,
    serviceDn: `cn=latchkey,ou=services,${SUFFIX}`,
    servicePassword,
    stop,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A CA and a server certificate for 127.0.0.1 signed by it; answers the CA's PEM. */
function makeCertificates(dir: string): string {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Latchkey test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  );
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.pem'),
  );
  return readFileSync(file('ca.pem'), 'utf8');
}

function slapdConf(dir: string, rootPassword: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
TLSCACertificateFile ${dir}/ca.pem
TLSCertificateFile ${dir}/server.pem
TLSCertificateKeyFile ${dir}/server.key
database mdb
maxsize 10485760
suffix "${SUFFIX}"
rootdn "cn=admin,${SUFFIX}"
rootpw ${rootPassword}
directory ${dir}/db
overlay memberof
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
`;
}

async function waitForPort(port: number, died: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (died()) throw new Error(`slapd exited:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`slapd did not listen on ${port}:\n${output()}`);
}

/** The tree, users, then groups (so the memberof overlay writes each member's memberOf). */
async function seedEntries(
  url: string,
  caPem: string,
  rootPassword: string,
  servicePassword: string,
  seed: { users: DirectoryUser[]; groups: DirectoryGroup[] },
): Promise<void> {
  const client = new Client({
    url,
    tlsOptions: { ca: caPem },
    timeout: 10_000,
    connectTimeout: 10_000,
  });
  try {
    await client.bind(`cn=admin,${SUFFIX}`, rootPassword);
    await client.add(SUFFIX, {
      objectClass: ['dcObject', 'organization'],
      dc: 'latchkey',
      o: 'Latchkey test',
    });
    for (const ou of ['people', 'groups', 'services']) {
      await client.add(`ou=${ou},${SUFFIX}`, { objectClass: 'organizationalUnit', ou });
    }
    await client.add(`cn=latchkey,ou=services,${SUFFIX}`, {
      objectClass: ['organizationalRole', 'simpleSecurityObject'],
      cn: 'latchkey',
      userPassword: servicePassword,
    });
    for (const user of seed.users) {
      await client.add(`uid=${user.uid},ou=people,${SUFFIX}`, {
        objectClass: 'inetOrgPerson',
        uid: user.uid,
        cn: user.cn,
        sn: user.sn,
        userPassword: user.password,
        ...(user.mail ? { mail: user.mail } : {}),
        ...(user.givenName ? { givenName: user.givenName } : {}),
      });
    }
    for (const group of seed.groups) {
      await client.add(`cn=${group.cn},ou=groups,${SUFFIX}`, {
        objectClass: 'groupOfNames',
        cn: group.cn,
        member: group.members.map((uid) => `uid=${uid},ou=people,${SUFFIX}`),
      });
    }
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
