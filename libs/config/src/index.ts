export * from './embedded-secrets';
export * from './env.schema';
export * from './platform.config';
export * from './trusted-proxies';
