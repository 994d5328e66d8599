export * from './kv.factory';
export * from './kv.store';
export * from './memory.kv-store';
export * from './redis.kv-store';
export * from './kv.module';
