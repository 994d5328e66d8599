import { expect } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { embeddedConfig, loadConfig, type PlatformConfig } from '@latchkey/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmbedded, stopEmbedded } from '../apps/embedded/src/embedded';
import { callPlatform } from './support/http-call';
import { freePort } from './support/processes';

/**
 * A revoked access token stays revoked across a restart of the embedded platform, whose
 * key-value store lives in memory and starts empty: the revocation is kept in PGlite in the data
 * directory and the denylist rebuilt from it at start. Checked where the gateway reads the
 * denylist itself (the admin API) and at introspection.
 */
jest.setTimeout(120_000);

describe('revoked access tokens across an embedded restart with the same data directory', () => {
  let dataDir: string;
  let config: PlatformConfig;
  let apps: INestApplication[] | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-denylist-'));
    const port = await freePort();
    config = embeddedConfig(
      loadConfig({
        PORT: String(port),
        ISSUER: `http://127.0.0.1:${port}`,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      }),
    );
    apps = await startEmbedded(config);
  });

  afterAll(async () => {
    if (apps) await stopEmbedded(apps);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (method: string, route: string, options: Parameters<typeof callPlatform>[3]) =>
    callPlatform(config.issuer, method, route, options);
  const admin = () => ({ id: config.adminClient!.id, secret: config.adminClient!.secret });
  const adminToken = async () => {
    const answer = await call('POST', '/token', {
      basic: admin(),
      form: { grant_type: 'client_credentials' },
    });
    expect(answer.status).toBe(200);
    return answer.body.access_token as string;
  };
  const introspect = (token: string) =>
    call('POST', '/introspect', { basic: admin(), form: { token } });

  it('refuses the revoked token after the restart; the others still work', async () => {
    const revoked = await adminToken();
    const kept = await adminToken();
    expect(
      (await call('POST', '/revoke', { basic: admin(), form: { token: revoked } })).status,
    ).toBe(200);
    expect((await call('GET', '/admin/clients', { token: revoked })).status).toBe(401);

    await stopEmbedded(apps!);
    apps = undefined;
    apps = await startEmbedded(config);

    expect((await call('GET', '/admin/clients', { token: revoked })).status).toBe(401);
    expect((await introspect(revoked)).body).toEqual({ active: false });
    expect((await call('GET', '/admin/clients', { token: kept })).status).toBe(200);
    expect((await introspect(kept)).body).toMatchObject({ active: true });
  });
});
