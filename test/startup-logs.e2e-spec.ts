import { expect } from '@jest/globals';
import { createTestDatabase, describeWithBackends, TEST_BACKENDS } from '@latchkey/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { entryOf, eventually, freePort, startProcess } from './support/processes';

/**
 * What an operator's log pipeline sees at start (docs/operations.md): JSON lines only, no
 * warning at a clean start, and a start that fails says why in one JSON line before exiting 1.
 */
jest.setTimeout(120_000);

/** The lines of a process's output, each parsed as JSON; a line that is not JSON fails. */
function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

describe('start-up logs', () => {
  it('starts embedded without a warning, every log line JSON', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-start-'));
    const port = await freePort();
    const proc = startProcess('embedded', [entryOf('embedded')], {
      PORT: String(port),
      DATA_DIR: dataDir,
    });
    try {
      await eventually(async () => proc.output().includes('Latchkey is running'), {
        timeoutMs: 90_000,
        what: 'the embedded platform to start',
      });
      // The banner (issuer, admin client) is for the person at the terminal, not a log line.
      const logged = proc.output().split('\nLatchkey is running')[0];
      const lines = jsonLines(logged);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.filter((line) => (line.level as number) >= 40)).toEqual([]);
    } finally {
      await proc.stop('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reports a bad setting as one JSON line naming it, and exits 1', async () => {
    const proc = startProcess('embedded', [entryOf('embedded')], { PORT: 'eighty' });
    expect(await proc.exited).toBe(1);
    const lines = jsonLines(proc.output());
    expect(lines).toEqual([
      expect.objectContaining({
        level: 60,
        service: 'latchkey',
        msg: expect.stringContaining('PORT must be an integer'),
      }),
    ]);
  });

  describeWithBackends(['postgres'], 'a service whose module fails to build', () => {
    it('logs the failure as JSON (no coloured Nest text) and exits 1', async () => {
      const db = await createTestDatabase('latchkey_start');
      await db.drop();
      const proc = startProcess('client-registry', [entryOf('client-registry')], {
        // A database that does not exist: refused at once, not retried.
        DATABASE_URL: db.url,
        NATS_URL: `nats://127.0.0.1:${await freePort()}`,
        HEALTH_PORT: '0',
        REDIS_URL: TEST_BACKENDS.redis,
      });
      expect(await proc.exited).toBe(1);
      const lines = jsonLines(proc.output());
      expect(lines[lines.length - 1]).toMatchObject({
        level: 60,
        service: 'client-registry',
        msg: expect.stringContaining('failed to start'),
      });
      expect(proc.output()).not.toContain('\u001b[');
    });
  });
});
