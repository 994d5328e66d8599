import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase, isEmbeddedDataSource } from '../data-source.factory';
import { isDatabaseUnavailable } from '../database.errors';
import { pingDatabase } from '../database.health';
import { dataSourceContract } from '../fixtures/data-source.contract';
import { Widget, WIDGET_MIGRATIONS } from '../fixtures/widget.fixture';
import { silentLogger } from '../persistence.logger';
import { createPgliteDriver } from './pglite.pool';
import { openPgliteCount } from './pglite.registry';

jest.setTimeout(60_000);

const open = (schema: string, dataDir?: string) =>
  openDatabase({
    dataDir,
    schema,
    entities: [Widget],
    migrations: WIDGET_MIGRATIONS,
    logger: silentLogger,
  });

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PGlite (in memory): the data source contract', () => {
  dataSourceContract((schema) => open(schema, `memory://contract-${schema}`));
});

describe('PGlite pool', () => {
  let tmp: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'latchkey-pglite-'));
  });

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('two services on one in-memory instance', () => {
    let token: DataSource;
    let audit: DataSource;

    beforeAll(async () => {
      token = await open('token', 'memory://shared-services');
      audit = await open('audit', 'memory://shared-services');
    });

    afterAll(async () => {
      for (const ds of [token, audit]) if (ds?.isInitialized) await ds.destroy();
    });

    it('uses PGlite and keeps each service in its own schema', async () => {
      expect(isEmbeddedDataSource(token)).toBe(true);
      await token.getRepository(Widget).insert({ name: 'only-in-token' });
      expect(await token.getRepository(Widget).countBy({ name: 'only-in-token' })).toBe(1);
      expect(await audit.getRepository(Widget).countBy({ name: 'only-in-token' })).toBe(0);
      // Same instance: the other schema is visible by its qualified name.
      const rows = await audit.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM token.widgets WHERE name = $1`,
        ['only-in-token'],
      );
      expect(rows[0].n).toBe(1);
    });

    it('never lets a statement of another runner into an open transaction', async () => {
      const events: string[] = [];
      const first = token.transaction(async (em) => {
        events.push('A:start');
        await em.insert(Widget, { name: 'tx-a' });
        await delay(50);
        // Would be 2 if B's insert had landed inside this transaction.
        const n = await em.count(Widget, { where: [{ name: 'tx-a' }, { name: 'tx-b' }] });
        events.push(`A:sees ${n}`);
        events.push('A:end');
      });
      await delay(5); // let A take the connection first
      const second = token.transaction(async (em) => {
        events.push('B:start');
        await em.insert(Widget, { name: 'tx-b' });
        throw new Error('B rolls back');
      });
      const otherService = audit.query('SELECT 1').then(() => events.push('audit query'));

      await first;
      await expect(second).rejects.toThrow('B rolls back');
      await otherService;
      expect(events.slice(0, 3)).toEqual(['A:start', 'A:sees 1', 'A:end']);
      expect(events).toContain('B:start');
      // B's ROLLBACK did not undo A's committed row, and B's row is gone.
      expect(await token.getRepository(Widget).countBy({ name: 'tx-a' })).toBe(1);
      expect(await token.getRepository(Widget).countBy({ name: 'tx-b' })).toBe(0);
    });

    it('rolls back a transaction a runner leaked before the next runner gets the session', async () => {
      const runner = token.createQueryRunner();
      await runner.startTransaction();
      await runner.query(`INSERT INTO widgets (name) VALUES ('leaked')`);
      await runner.release(); // no commit, no rollback
      expect(await token.getRepository(Widget).countBy({ name: 'leaked' })).toBe(0);
      const [{ state }] = await token.query<Array<{ state: boolean }>>(
        `SELECT now() = statement_timestamp() AS state`,
      );
      expect(state).toBe(true); // a fresh implicit transaction, not one left open
    });
  });

  describe('a file data directory shared by two DataSources', () => {
    it('shares one instance, survives closing one, and keeps data across close and reopen', async () => {
      const dataDir = join(tmp, 'data');
      const before = openPgliteCount();
      const gateway = await open('gateway', dataDir);
      const registry = await open('registry', dataDir);
      expect(openPgliteCount()).toBe(before + 1);

      await gateway.getRepository(Widget).insert({ name: 'durable', big: '42' });
      await gateway.destroy();
      // The other service still works on the shared instance.
      expect(await registry.getRepository(Widget).countBy({ name: 'seed' })).toBe(1);
      expect(await pingDatabase(registry)).toBeGreaterThanOrEqual(0);
      await registry.destroy();
      expect(openPgliteCount()).toBe(before);

      const reopened = await open('gateway', dataDir);
      try {
        const row = await reopened.getRepository(Widget).findOneByOrFail({ name: 'durable' });
        expect(row.big).toBe('42');
        const ran = await reopened.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM gateway.migrations`,
        );
        expect(ran[0].n).toBe(2); // not re-run on reopen
      } finally {
        await reopened.destroy();
      }
    });
  });

  describe('the data directory claim', () => {
    it('refuses a directory a live process holds, and takes over a dead one', async () => {
      const dataDir = join(tmp, 'claimed');
      const lockFile = join(dataDir, 'pg.lock');
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(lockFile, String(process.ppid)); // alive: the Jest parent
      await expect(open('token', dataDir)).rejects.toThrow(/in use by process/);

      const exited = spawnSync(process.execPath, ['-e', '']).pid;
      writeFileSync(lockFile, String(exited));
      const ds = await open('token', dataDir);
      expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
      await ds.destroy();
      expect(existsSync(lockFile)).toBe(false);
    });
  });

  describe('the connection guard', () => {
    it('fails a checkout that waits too long instead of hanging', async () => {
      const { Pool } = createPgliteDriver({ dataDir: 'memory://guard', acquireTimeoutMs: 100 });
      const pool = new Pool();
      const holder = await pool.connect();
      try {
        const err = await pool.connect().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(/timed out after 100 ms/);
        expect(isDatabaseUnavailable(err)).toBe(true);
      } finally {
        holder.release();
        await pool.end();
      }
    });

    it('maps rowCount and command like node-postgres', async () => {
      const { Pool } = createPgliteDriver({ dataDir: 'memory://guard' });
      const pool = new Pool();
      try {
        await pool.query('CREATE TABLE t (v int); INSERT INTO t VALUES (1), (2), (3)');
        const update = await pool.query('UPDATE t SET v = v + $1 WHERE v > $2', [10, 1]);
        expect(update).toMatchObject({ command: 'UPDATE', rowCount: 2 });
        const select = await pool.query('SELECT v FROM t ORDER BY v');
        expect(select).toMatchObject({
          command: 'SELECT',
          rowCount: 3,
          rows: [{ v: 1 }, { v: 12 }, { v: 13 }],
        });
        const ddl = await pool.query('DROP TABLE t');
        expect(ddl).toMatchObject({ command: 'DROP', rowCount: null });
      } finally {
        await pool.end();
      }
      await expect(pool.connect()).rejects.toThrow(/after calling end/);
    });
  });
});
