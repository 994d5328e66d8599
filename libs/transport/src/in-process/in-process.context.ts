import { NatsContext } from '@nestjs/microservices';
import type { TransportHeaders } from '../transport-headers';

/**
 * The RPC context of an in-process message. It is a NatsContext (subject, NATS `MsgHdrs`
 * headers) so that a handler written with `@Ctx() ctx: NatsContext` runs unchanged in embedded mode.
 */
export class InProcessContext extends NatsContext {
  constructor(args: [subject: string, headers: TransportHeaders | undefined]) {
    super(args);
  }

  /** Undefined when the sender attached none, as on NATS. */
  override getHeaders(): TransportHeaders | undefined {
    return this.args[1] as TransportHeaders | undefined;
  }
}
