import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The machine's real backends; tests may point elsewhere with these variables. */
export const TEST_BACKENDS = {
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
} as const;

export type BackendName = keyof typeof TEST_BACKENDS;

/**
 * Declares a suite that needs real backends. When one is down the suite is reported as skipped
 * with the reason, except under CI=true, where a missing backend fails the run.
 */
export function describeWithBackends(names: BackendName[], title: string, body: () => void): void {
  // Reachability is probed synchronously at collection time by the global setup (see
  // test/global-setup.js), which records the result in the environment.
  const down = names.filter((n) => process.env[`LATCHKEY_TEST_${n.toUpperCase()}_UP`] === '0');
  if (down.length === 0) {
    describe(title, body);
    return;
  }
  const reason = `${down.join(', ')} unreachable (${down.map((n) => TEST_BACKENDS[n]).join(', ')})`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${names.join(', ')}`, () => {
        throw new Error(`${reason}; CI requires every backend`);
      });
    });
    return;
  }
  console.warn(`skipping "${title}": ${reason}`);
  const skipped = describe.skip;
  skipped(`${title} [skipped: ${reason}]`, body);
}

/** Creates a fresh, uniquely named Postgres database; drop() removes it. */
export async function createTestDatabase(prefix = 'latchkey_test'): Promise<{
  url: string;
  name: string;
  drop: () => Promise<void>;
}> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_BACKENDS.postgres });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_BACKENDS.postgres);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new Client({ connectionString: TEST_BACKENDS.postgres });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The schemas of `names` that exist in the database at `url`, sorted. */
export async function existingSchemas(url: string, names: readonly string[]): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      'SELECT nspname FROM pg_namespace WHERE nspname = ANY($1) ORDER BY 1',
      [names],
    );
    return rows.map((r) => r.nspname);
  } finally {
    await client.end();
  }
}

export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}
