export * from './backends';
export * from './nats-server';
export * from './oauth-errors';
export * from './recording-audit.client';
export * from './audit-signing';
