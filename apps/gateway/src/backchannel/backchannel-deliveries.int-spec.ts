/**
 * The back-channel delivery queue on the machine's Postgres, with two gateway replicas (two
 * DataSources, each with a pool) claiming at the same time: every delivery is claimed by exactly
 * one of them, and a lease ends only for its holder.
 */
import { openDatabase } from '@latchkey/persistence';
import { createTestDatabase, describeWithBackends } from '@latchkey/testing';
import type { DataSource } from 'typeorm';
import { GATEWAY_PERSISTENCE } from '../gateway.persistence';
import { BackchannelDeliveriesRepository } from './backchannel-deliveries.repository';

jest.setTimeout(60_000);

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describeWithBackends(['postgres'], 'back-channel delivery queue on Postgres', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sources: DataSource[];
  let a: BackchannelDeliveriesRepository;
  let b: BackchannelDeliveriesRepository;

  beforeAll(async () => {
    database = await createTestDatabase('latchkey_backchannel');
    sources = [];
    for (let i = 0; i < 2; i++) {
      sources.push(
        await openDatabase({ ...GATEWAY_PERSISTENCE, databaseUrl: database.url, logger: quiet }),
      );
    }
    a = new BackchannelDeliveriesRepository(sources[0]!);
    b = new BackchannelDeliveriesRepository(sources[1]!);
  });

  afterAll(async () => {
    for (const source of sources ?? []) await source.destroy();
    await database?.drop();
  });

  it('gives each due delivery to exactly one of two replicas claiming at once', async () => {
    const now = new Date();
    const count = 200;
    await a.enqueue(
      Array.from({ length: count }, (_, i) => ({
        client_id: 'web-app',
        uri: 'https://rp.example.test/bc',
        logout_token: `token-${i}`,
      })),
      now,
    );
    const lease = new Date(now.getTime() + 60_000);
    const claimedBy = { a: [] as string[], b: [] as string[] };
    const work = async (name: 'a' | 'b', repo: BackchannelDeliveriesRepository) => {
      for (;;) {
        const batch = await Promise.all(
          Array.from({ length: 4 }, () => repo.claim(name, now, lease, 7)),
        );
        const ids = batch.flat().map((d) => d.logout_token);
        if (ids.length === 0) return;
        claimedBy[name].push(...ids);
      }
    };
    await Promise.all([work('a', a), work('b', b)]);
    const all = [...claimedBy.a, ...claimedBy.b];
    expect(all).toHaveLength(count);
    expect(new Set(all).size).toBe(count);
    expect(claimedBy.a.length).toBeGreaterThan(0);
    expect(claimedBy.b.length).toBeGreaterThan(0);
  });

  it('ends a lease only for the replica holding it', async () => {
    await sources[0]!.query('DELETE FROM "gateway"."backchannel_deliveries"');
    const now = new Date();
    await a.enqueue(
      [{ client_id: 'c', uri: 'https://rp.example.test/bc', logout_token: 't' }],
      now,
    );
    const [held] = await a.claim('a', now, new Date(now.getTime() + 60_000), 1);
    expect(held).toMatchObject({ attempts: 1 });
    // Another replica can neither claim it nor finish it while the lease lives.
    expect(await b.claim('b', now, new Date(now.getTime() + 60_000), 1)).toEqual([]);
    await b.complete(held!.id, 'b');
    expect(await a.count()).toBe(1);
    // After the lease, it is due again and counts another attempt.
    const later = new Date(now.getTime() + 61_000);
    const [taken] = await b.claim('b', later, new Date(later.getTime() + 60_000), 1);
    expect(taken).toMatchObject({ id: held!.id, attempts: 2 });
    expect(await a.abandon(held!.id, 'a', async () => undefined)).toBe(false);
    expect(await b.abandon(held!.id, 'b', async () => undefined)).toBe(true);
    expect(await a.count()).toBe(0);
  });
});
