import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { payloadProblem, type PayloadRule } from '@latchkey/contracts';
import { InvalidRequest } from '@latchkey/oauth';
import type { Observable } from 'rxjs';

/** Nest's metadata keys for a handler's patterns and kind (@nestjs/microservices constants). */
const PATTERN_METADATA = 'microservices:pattern';
const PATTERN_HANDLER_METADATA = 'microservices:handler_type';
/** `PatternHandler.EVENT` (not exported by the package's entry point). */
const EVENT_HANDLER = 2;

/**
 * Checks every bus payload against its subject's rule (libs/contracts `PAYLOAD_RULES`) before the
 * handler reads it. A request that breaks its rule is answered `invalid_request` as data (the
 * RPC error filter sends it; the description names the member, never its value); an event that
 * breaks it reaches its handler as no event (undefined), which handlers read as "something
 * changed, cannot say what". A handler whose subject has no rule is refused: fail closed.
 */
@Injectable()
export class PayloadValidationInterceptor implements NestInterceptor {
  private readonly logger = new Logger(PayloadValidationInterceptor.name);

  constructor(private readonly rules: Readonly<Record<string, PayloadRule>>) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const handler = context.getHandler();
    const patterns: unknown = Reflect.getMetadata(PATTERN_METADATA, handler);
    const subject: unknown = Array.isArray(patterns) ? (patterns as unknown[])[0] : patterns;
    const rule = typeof subject === 'string' ? this.rules[subject] : undefined;
    const problem = rule
      ? payloadProblem(rule, context.switchToRpc().getData<unknown>())
      : 'this subject takes no messages';
    if (problem === undefined) return next.handle();

    const isEvent = Reflect.getMetadata(PATTERN_HANDLER_METADATA, handler) === EVENT_HANDLER;
    this.logger.warn(`refused a malformed payload on "${String(subject)}": ${problem}`);
    if (!isEvent) throw new InvalidRequest(problem);
    // The handler reads its payload from this array (Nest passes it on unchanged).
    context.getArgs()[0] = undefined;
    return next.handle();
  }
}
