export * from './audit.messages';
export * from './clients.messages';
export * from './resources.messages';
export * from './services';
export * from './subjects';
export * from './token.messages';
export * from './kv-keys';
