import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describeWithBackends } from '@latchkey/testing';
import { callPlatform } from './support/http-call';
import {
  distributedBackends,
  PLATFORM_MODES,
  type Platform,
  startPlatform,
} from './support/platform';
import { freePort, ROOT } from './support/processes';

/**
 * The admin plane (ADMIN_PORT, docs/architecture.md §5): the admin API, its OpenAPI document and
 * Swagger UI, and `/metrics` answer on the admin port only; the public port carries the protocol
 * endpoints and pages and answers the admin paths exactly like an unknown path. Probes answer on
 * both, so either port can be probed.
 */
jest.setTimeout(240_000);

/** Admin-plane paths, each of which the public port must refuse. */
const ADMIN_PATHS = ['/admin/openapi.json', '/admin/docs', '/admin/users', '/admin', '/metrics'];
/** Public paths, each of which the admin port must refuse. */
const PUBLIC_PATHS = [
  '/.well-known/openid-configuration',
  '/.well-known/jwks.json',
  '/authorize?client_id=x',
  '/login',
];

describe.each(PLATFORM_MODES)('admin plane on its own port: %s mode', (mode) => {
  const block = () => {
    let platform: Platform;
    let adminOrigin: string;

    beforeAll(async () => {
      const adminPort = await freePort();
      adminOrigin = `http://127.0.0.1:${adminPort}`;
      platform = await startPlatform(mode, { ADMIN_PORT: String(adminPort) });
    }, 200_000);
    afterAll(async () => {
      await platform?.stop();
    }, 60_000);

    it('serves the admin API, OpenAPI, Swagger UI and /metrics on the admin port', async () => {
      const token = await adminToken(platform);
      const users = await callPlatform(adminOrigin, 'GET', '/admin/users', { token });
      expect(users.status).toBe(200);
      const unauthenticated = await callPlatform(adminOrigin, 'GET', '/admin/users');
      expect(unauthenticated.status).toBe(401);
      const openapi = await callPlatform(adminOrigin, 'GET', '/admin/openapi.json');
      expect(openapi.status).toBe(200);
      expect(openapi.body.openapi).toEqual(expect.stringMatching(/^3\./));
      expect((await callPlatform(adminOrigin, 'GET', '/admin/docs')).status).toBe(200);
      const metrics = await callPlatform(adminOrigin, 'GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('latchkey_http_request_duration_seconds');
    });

    it('the public port answers every admin path like an unknown path', async () => {
      const token = await adminToken(platform);
      const unknown = await callPlatform(platform.issuer, 'GET', '/no-such-path');
      expect(unknown.status).toBe(404);
      for (const route of ADMIN_PATHS) {
        const answer = await callPlatform(platform.issuer, 'GET', route, { token });
        expect([route, answer.status, answer.body]).toEqual([route, 404, unknown.body]);
      }
      const create = await callPlatform(platform.issuer, 'POST', '/admin/users', {
        token,
        json: { username: 'mallory', password: 'a long enough password for mallory' },
      });
      expect(create.status).toBe(404);
      // ...and nothing was created through it.
      const users = await callPlatform(adminOrigin, 'GET', '/admin/users', { token });
      expect(JSON.stringify(users.body)).not.toContain('mallory');
    });

    it('the admin port refuses the protocol endpoints and pages', async () => {
      for (const route of PUBLIC_PATHS) {
        const answer = await callPlatform(adminOrigin, 'GET', route);
        expect([route, answer.status]).toEqual([route, 404]);
      }
      const discovery = await callPlatform(
        platform.issuer,
        'GET',
        '/.well-known/openid-configuration',
      );
      expect(discovery.status).toBe(200);
    });

    it('the CLI reaches the admin plane with LATCHKEY_ADMIN_URL, and gets its token from the issuer', async () => {
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: ROOT,
        XDG_CONFIG_HOME: path.join(ROOT, 'test', 'artifacts', 'no-such-config'),
        LATCHKEY_ISSUER: platform.issuer,
        LATCHKEY_CLIENT_ID: platform.adminClient.id,
        LATCHKEY_CLIENT_SECRET: platform.adminClient.secret,
      };
      const list = await cli(['clients', 'list', '--output', 'json'], {
        ...env,
        LATCHKEY_ADMIN_URL: adminOrigin,
      });
      expect(list.code).toBe(0);
      const clients = (JSON.parse(list.stdout) as { items: { client_id: string }[] }).items;
      expect(clients.map((c) => c.client_id)).toContain(platform.adminClient.id);
      // Without it, the public port answers the admin API as an unknown path.
      const refused = await cli(['clients', 'list', '--output', 'json'], env);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/not[ _]found/i);
    });

    it('answers the probes on both ports', async () => {
      for (const origin of [platform.issuer, adminOrigin]) {
        expect([origin, (await callPlatform(origin, 'GET', '/healthz')).status]).toEqual([
          origin,
          200,
        ]);
      }
    });
  };
  if (mode === 'distributed') {
    describeWithBackends(distributedBackends(), 'four processes', block);
  } else {
    block();
  }
});

/** An admin access token, from the public token endpoint (client_credentials). */
async function adminToken(platform: Platform): Promise<string> {
  const answer = await callPlatform(platform.tokenOrigin, 'POST', '/token', {
    basic: platform.adminClient,
    form: { grant_type: 'client_credentials' },
  });
  expect(answer.status).toBe(200);
  return answer.body.access_token as string;
}

/** Runs the built operator CLI; never throws on a non-zero exit. */
async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'bin', 'latchkey.js'), ...args],
      { env, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}
