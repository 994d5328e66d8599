import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createKvStore, type KvStore } from '@latchkey/kv';
import { readinessProbe } from '@latchkey/observability';

/** DI token of the service's {@link KvStore}. */
export const KV_TOKEN = 'LATCHKEY_KV_STORE';

export interface KvModuleOptions {
  /** Unset: the process-wide memory store (embedded mode). */
  redisUrl?: string;
  prefix: string;
}

/**
 * Closes the store once the app has stopped taking work. Not at module destroy: Nest drains the
 * bus server after the destroy hooks, and requests still in flight then need the store.
 */
@Injectable()
class KvStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(KV_TOKEN) private readonly kv: KvStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.kv.close();
  }
}

/**
 * Nest wrapper of `@latchkey/kv` for this service: the store (Redis or memory), its readiness
 * probe (`kv` in /readyz) and its shutdown. Global, so any feature module may inject `KV_TOKEN`.
 */
@Module({})
export class KvModule {
  static forRoot(options: KvModuleOptions): DynamicModule {
    return {
      module: KvModule,
      global: true,
      providers: [
        {
          provide: KV_TOKEN,
          useFactory: (): KvStore =>
            createKvStore({
              redisUrl: options.redisUrl,
              prefix: options.prefix,
              logger: new Logger('KvStore'),
            }),
        },
        KvStoreCloser,
        readinessProbe('kv', KV_TOKEN, (kv: KvStore) => kv.ping()),
      ],
      exports: [KV_TOKEN],
    };
  }
}
