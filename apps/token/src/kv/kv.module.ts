/** Moved to `@latchkey/kv` (the gateway needs the same wrapper); kept so existing imports work. */
export { KV_TOKEN, KvModule, type KvModuleOptions } from '@latchkey/kv';
