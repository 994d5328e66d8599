export * from './health.controller';
export * from './metrics';
export * from './platform.module';
export * from './readiness.registry';
export * from './service-runner';
export * from './standard-probes';
export * from './service-main';
export * from './outbound-http';
