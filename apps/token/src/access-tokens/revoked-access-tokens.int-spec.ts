import { expect } from '@jest/globals';
import { loadConfig, type PlatformConfig } from '@latchkey/config';
import { uniqueSuffix } from '@latchkey/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FixedClock } from '@latchkey/core';
import { FakeRegistryState } from '../fixtures/registry.fixture';
import { startTokenApp, type TokenApp } from '../fixtures/token-app.fixture';
import {
  basicCaller,
  lifecycleCalls,
  putLifecycleClients,
  signIn,
} from '../fixtures/token-lifecycle.fixture';
import { userFlowCalls } from '../fixtures/user-flow.fixture';

jest.setTimeout(60_000);

/**
 * Embedded mode keeps the denylist in memory: a restart empties it. The revocation, kept in
 * PGlite in the data directory, must still hold after a restart with the same directory.
 */
describe('revoked access tokens after a restart (PGlite in a data directory, memory KV)', () => {
  const clock = new FixedClock(Math.floor(Date.now() / 1000) * 1000);
  const registry = new FakeRegistryState();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-denylist-'));
  let config: PlatformConfig;
  let service: TokenApp | undefined;

  beforeAll(() => {
    putLifecycleClients(registry);
    config = {
      ...loadConfig({
        ISSUER: `https://id-${uniqueSuffix()}.example.test`,
        LOG_LEVEL: 'silent',
        KEY_ENCRYPTION_KEY: 'int-spec-key-encryption-key-0123456789',
      }),
      dataDir,
    };
  });

  afterAll(async () => {
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a revoked access token after the token service restarts', async () => {
    service = await startTokenApp(config, registry, clock);
    const calls = userFlowCalls(service.bus);
    const revoked = await signIn(calls, { sub: 'user-revoked' });
    const kept = await signIn(calls, { sub: 'user-kept' });
    await lifecycleCalls(service.bus).revoke(
      { token: revoked.access_token },
      basicCaller('web-app'),
    );
    await service.close();

    service = await startTokenApp(config, registry, clock);
    const restarted = userFlowCalls(service.bus);
    await expect(restarted.validate(revoked.access_token)).resolves.toEqual({ active: false });
    await expect(restarted.validate(kept.access_token)).resolves.toMatchObject({ active: true });
  });
});
