export * from './services';
export * from './subjects';
export * from './token.messages';
