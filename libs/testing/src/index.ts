export * from './backends';
export * from './nats-server';
