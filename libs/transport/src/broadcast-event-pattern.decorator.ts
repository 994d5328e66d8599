import { EventPattern } from '@nestjs/microservices';

/**
 * Handler extras that take an event handler out of its service's queue group. Nest's NATS server
 * subscribes each handler with `extras.queue ?? options.queue`, and the NATS client joins a queue
 * group only for a non-empty name, so `''` means a plain subscription: every replica receives the
 * event. The in-process bus reads the same extra.
 */
export const BROADCAST_EXTRAS = Object.freeze({ queue: '' });

/**
 * `@EventPattern` for events that every replica must see, such as cache invalidation
 * (`client.changed`); a plain `@EventPattern` is load-balanced across replicas of the service.
 */
export function BroadcastEventPattern(subject: string): MethodDecorator {
  // The explicit type argument selects the untyped overload, so the handler may take `@Ctx()`.
  return EventPattern<string>(subject, { ...BROADCAST_EXTRAS });
}
