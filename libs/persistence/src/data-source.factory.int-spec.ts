import { createTestDatabase, describeWithBackends } from '@latchkey/testing';
import { Client } from 'pg';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { openDatabase, isEmbeddedDataSource } from './data-source.factory';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './database.errors';
import { pingDatabase } from './database.health';
import { dataSourceContract } from './fixtures/data-source.contract';
import { Widget, WIDGET_MIGRATIONS } from './fixtures/widget.fixture';
import { silentLogger } from './persistence.logger';

jest.setTimeout(60_000);

/** Slow enough that two unsynchronised runners would both see it pending. */
class SlowLedger1700000000002 implements MigrationInterface {
  name = 'SlowLedger1700000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`SELECT pg_sleep(0.3)`);
    await q.query(`CREATE TABLE ledger (id serial PRIMARY KEY, note text)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ledger`);
  }
}

describeWithBackends(['postgres'], 'persistence on a real Postgres server', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const opened: DataSource[] = [];

  const open = async (
    schema: string,
    migrations: Array<new () => MigrationInterface> = WIDGET_MIGRATIONS,
  ) => {
    const ds = await openDatabase({
      databaseUrl: db.url,
      schema,
      entities: [Widget],
      migrations,
      logger: silentLogger,
    });
    opened.push(ds);
    return ds;
  };

  beforeAll(async () => {
    db = await createTestDatabase('latchkey_test_persistence');
  });

  afterAll(async () => {
    await Promise.all(opened.filter((ds) => ds.isInitialized).map((ds) => ds.destroy()));
    await db?.drop();
  });

  describe('the data source contract', () => {
    dataSourceContract((schema) => open(schema));
  });

  it('cancels a statement that outlasts the query timeout: 503, and the pool goes on', async () => {
    const ds = await openDatabase({
      databaseUrl: db.url,
      schema: 'query_timeout',
      entities: [Widget],
      migrations: WIDGET_MIGRATIONS,
      logger: silentLogger,
      queryTimeoutMs: 500,
    });
    opened.push(ds);
    const [limit] = await ds.query<Array<{ statement_timeout: string }>>('SHOW statement_timeout');
    expect(limit!.statement_timeout).toBe('450ms');
    const thrown: unknown = await ds.query('SELECT pg_sleep(3)').catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DatabaseUnavailableError);
    expect(isDatabaseUnavailable(thrown)).toBe(true);
    await expect(ds.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });

  it('is not embedded, and sets the search_path to the service schema', async () => {
    const ds = await open('gateway');
    expect(isEmbeddedDataSource(ds)).toBe(false);
    const [{ search_path }] = await ds.query<Array<{ search_path: string }>>('SHOW search_path');
    expect(search_path).toBe('"gateway",public');
    const [{ application_name }] =
      await ds.query<Array<{ application_name: string }>>('SHOW application_name');
    expect(application_name).toBe('latchkey-gateway');
  });

  it('migrates once when two replicas start together (advisory lock)', async () => {
    const migrations = [...WIDGET_MIGRATIONS, SlowLedger1700000000002];
    const [a, b] = await Promise.all([open('race', migrations), open('race', migrations)]);
    const probe = new Client({ connectionString: db.url });
    await probe.connect();
    try {
      const { rows } = await probe.query(
        `SELECT name, count(*)::int AS n FROM race.migrations GROUP BY name ORDER BY name`,
      );
      expect(rows).toEqual([
        { name: 'CreateWidgets1700000000000', n: 1 },
        { name: 'SeedWidgets1700000000001', n: 1 },
        { name: 'SlowLedger1700000000002', n: 1 },
      ]);
      // The seed migration ran once, not twice.
      expect(await a.getRepository(Widget).countBy({ name: 'seed' })).toBe(1);
      expect(await b.getRepository(Widget).countBy({ name: 'seed' })).toBe(1);
      // And the lock is released afterwards.
      const locks = await probe.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`,
      );
      expect(locks.rows[0].n).toBe(0);
    } finally {
      await probe.end();
    }
  });

  it('rolls every pending migration back when one fails', async () => {
    class Broken1700000000003 implements MigrationInterface {
      name = 'Broken1700000000003';
      async up(q: QueryRunner): Promise<void> {
        await q.query(`SELECT * FROM no_such_table`);
      }
      async down(): Promise<void> {}
    }
    const err = await open('broken', [...WIDGET_MIGRATIONS, Broken1700000000003]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(err)).toBe(false);
    const probe = new Client({ connectionString: db.url });
    await probe.connect();
    try {
      const { rows } = await probe.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'broken' AND table_name = 'widgets'`,
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await probe.end();
    }
  });

  it('reports an unreachable server as DatabaseUnavailableError, quickly', async () => {
    const started = Date.now();
    const err = await openDatabase({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/nothing',
      schema: 'token',
      entities: [Widget],
      migrations: WIDGET_MIGRATIONS,
      logger: silentLogger,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as DatabaseUnavailableError).code).toBe('DATABASE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails the ping of a closed data source as unavailable', async () => {
    const ds = await open('closing');
    expect(await pingDatabase(ds)).toBeGreaterThanOrEqual(0);
    await ds.destroy();
    await expect(pingDatabase(ds)).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('recognises a connection the server terminated', async () => {
    const ds = await open('terminated');
    const killer = new Client({ connectionString: db.url });
    await killer.connect();
    try {
      const runner = ds.createQueryRunner();
      const [{ pid }] = (await runner.query('SELECT pg_backend_pid() AS pid')) as Array<{
        pid: number;
      }>;
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      // pg_terminate_backend only signals; wait until the backend is really gone.
      for (let i = 0; i < 50; i++) {
        const alive = await killer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
        if (alive.rowCount === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const err: unknown = await runner.query('SELECT 1').catch((e: unknown) => e);
      expect(isDatabaseUnavailable(err)).toBe(true);
      await runner.release();
      // The pool drops the dead connection (its error may surface once more) and opens a new one.
      const pings: boolean[] = [];
      for (let attempt = 0; attempt < 3 && !pings.includes(true); attempt++) {
        pings.push(
          await pingDatabase(ds).then(
            () => true,
            () => false,
          ),
        );
      }
      expect(pings).toContain(true);
    } finally {
      await killer.end();
    }
  });
});
