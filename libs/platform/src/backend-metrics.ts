import type { OnApplicationShutdown, Provider } from '@nestjs/common';
import { KV_TOKEN, type KvStore, RedisKvStore } from '@latchkey/kv';
import { DataSource } from 'typeorm';
import { dbErrors, dbPoolConnections, readOnScrape, redisConnected, redisErrors } from './metrics';
import { PLATFORM_SERVICE } from './platform-service';

/** pg-pool's counters, which the embedded PGlite pool offers too. */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Stops reading a backend at scrape time once the application stops. */
class ScrapeRegistration implements OnApplicationShutdown {
  constructor(private readonly stops: Array<() => void>) {}

  onApplicationShutdown(): void {
    for (const stop of this.stops) stop();
  }
}

/** `latchkey_db_pool_connections` and `latchkey_db_errors_total` of the service's DataSource. */
export const databaseMetrics = (): Provider => ({
  provide: 'latchkey:metrics:database',
  inject: [DataSource, PLATFORM_SERVICE],
  useFactory: (dataSource: DataSource, service: string) => {
    dbErrors().inc({ service }, 0);
    const gauge = dbPoolConnections();
    return new ScrapeRegistration([
      readOnScrape(gauge, () => {
        const pool = (dataSource.driver as { master?: Partial<PoolCounts> }).master;
        if (!pool || typeof pool.totalCount !== 'number') return;
        gauge.set({ service, state: 'total' }, pool.totalCount);
        gauge.set({ service, state: 'idle' }, pool.idleCount ?? 0);
        gauge.set({ service, state: 'waiting' }, pool.waitingCount ?? 0);
      }),
    ]);
  },
});

/** `latchkey_redis_connected` and `latchkey_redis_errors_total`, when the store is Redis. */
export const kvMetrics = (): Provider => ({
  provide: 'latchkey:metrics:kv',
  inject: [KV_TOKEN, PLATFORM_SERVICE],
  useFactory: (kv: KvStore, service: string) => {
    if (!(kv instanceof RedisKvStore)) return new ScrapeRegistration([]);
    const errors = redisErrors();
    errors.inc({ service }, 0);
    kv.onFailure(() => errors.inc({ service }));
    const gauge = redisConnected();
    return new ScrapeRegistration([
      readOnScrape(gauge, () => gauge.set({ service }, kv.status === 'ready' ? 1 : 0)),
    ]);
  },
});
