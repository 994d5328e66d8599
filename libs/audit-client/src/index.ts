export * from './audit-client.module';
export * from './audit-data.sanitizer';
export * from './audit-event.builder';
export * from './audit.client';
export * from './outbox/audit-outbox.migration';
export * from './outbox/audit-outbox.repository';
export * from './outbox/outbox.relay';
export * from './publishers/audit-publisher';
