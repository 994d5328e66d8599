import type { Provider } from '@nestjs/common';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import { pingDatabase } from '@latchkey/persistence';
import { BusClient } from '@latchkey/transport';
import { DataSource } from 'typeorm';
import { readinessProbe } from './readiness.registry';

/** Readiness of the service's database (its TypeORM DataSource). */
export const databaseReadiness = (): Provider =>
  readinessProbe('database', DataSource, (ds: DataSource) => pingDatabase(ds));

/** Readiness of the service bus (NATS connected; always true in-process). */
export const busReadiness = (): Provider =>
  readinessProbe('bus', BusClient, async (bus: BusClient) => {
    if (!(await bus.ping())) throw new Error('bus not connected');
  });

/** Readiness of the service's key-value store (Redis answers PING; the memory store always does). */
export const kvReadiness = (): Provider =>
  readinessProbe('kv', KV_TOKEN, (kv: KvStore) => kv.ping());
