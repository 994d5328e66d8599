import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createKvStore } from './kv.factory';
import { KV_STORE, type KvStore } from './kv.store';

/** DI token of the service's {@link KvStore} (the same token as `KV_STORE`). */
export const KV_TOKEN = KV_STORE;

export interface KvModuleOptions {
  /** Unset: the process-wide memory store (embedded mode). */
  redisUrl?: string;
  /** Services that hand keys to each other (codes, sessions) must share it: `latchkey:`. */
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
 * Nest wrapper of the store for one service: the store (Redis or memory) and its shutdown. Global,
 * so any feature module may inject `KV_TOKEN`. Its readiness (`kv` in /readyz) is registered by the
 * service with the platform's `kvReadiness()`, over `KvStore.ping`.
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
      ],
      exports: [KV_TOKEN],
    };
  }
}
