export * from './chain-hash';
export * from './checkpoint';
export * from './export-format';
export * from './export-verifier';
