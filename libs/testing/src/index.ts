export * from './backends';
export * from './nats-server';
export * from './oauth-errors';
