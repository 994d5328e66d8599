/**
 * `@nats-io/transport-node` types its exports by re-exporting `@nats-io/nats-core/internal`, a
 * package `exports` subpath that the `node10` module resolution of tsconfig.json cannot follow:
 * without this, `connect()` and its options silently lose their types. Point the subpath at the
 * file it names.
 */
declare module '@nats-io/nats-core/internal' {
  export * from '@nats-io/nats-core/lib/internal_mod';
}
