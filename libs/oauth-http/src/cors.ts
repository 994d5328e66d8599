import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  mixin,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import {
  actualResponseHeaders,
  claimedClientId,
  type CorsEndpoint,
  detectClientAuthentication,
  preflightHeaders,
  PUBLIC_CORS_HEADERS,
  type RawParams,
  requestOrigin,
} from '@latchkey/oauth';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { MethodNotAllowed } from './edge-errors';
import { isFormEncoded } from './form-body';

/**
 * Which origins the registered clients allow for CORS (docs/architecture.md §3). Each service
 * binds it to its cached view of the client registry.
 */
export abstract class CorsOrigins {
  /** Some enabled client allows the origin: what a preflight can know, before any client is. */
  abstract allowedByAnyClient(origin: string): Promise<boolean>;
  /** The client (enabled) allows the origin. */
  abstract allowedByClient(origin: string, clientId: string): Promise<boolean>;
}

/** The public documents (discovery, the key set): readable from any origin. */
export function allowAnyOrigin(res: Response): void {
  setHeaders(res, PUBLIC_CORS_HEADERS);
}

/**
 * The one place the CORS rule meets HTTP for the endpoints that answer registered origins only
 * (token, revocation, userinfo), in whichever service serves them.
 */
@Injectable()
export class CorsPolicy {
  private readonly logger = new Logger(CorsPolicy.name);

  constructor(private readonly origins: CorsOrigins) {}

  /**
   * A CORS preflight (OPTIONS with `Origin` and `Access-Control-Request-Method`): 204, with
   * permission only for an origin some client registered. Any other OPTIONS request is refused
   * like any other method the endpoint does not take.
   */
  async answerPreflight(req: Request, res: Response, endpoint: CorsEndpoint): Promise<void> {
    const origin = requestOrigin(req.headers.origin);
    if (origin === undefined || req.headers['access-control-request-method'] === undefined) {
      throw new MethodNotAllowed(endpoint.methods);
    }
    const allowed = await this.origins.allowedByAnyClient(origin);
    setHeaders(res, preflightHeaders(endpoint, origin, allowed));
    res.status(204).end();
  }

  /**
   * The CORS headers of an actual request, set before it is handled so that its errors carry
   * them too: the origin only when the client the request is made for (`clientIdOf`) allows it.
   */
  async allowActual(
    req: Request,
    res: Response,
    clientIdOf: (req: Request) => string | undefined,
  ): Promise<void> {
    const origin = requestOrigin(req.headers.origin);
    // Without an Origin (server-to-server calls) the client is not even looked for.
    const clientId = origin === undefined ? undefined : clientIdOf(req);
    let allowed = false;
    if (origin !== undefined && clientId !== undefined) {
      try {
        allowed = await this.origins.allowedByClient(origin, clientId);
      } catch (err) {
        // The request itself reports an outage; without an answer the origin gets no permission.
        this.logger.warn(`CORS origin check failed: ${err instanceof Error ? err.name : 'error'}`);
      }
    }
    setHeaders(res, actualResponseHeaders(origin, allowed));
  }
}

/**
 * An interceptor that sets the CORS headers of an endpoint's actual requests, for the client
 * `clientIdOf` finds in the request (undefined: none, so no origin is allowed).
 */
export function CorsForClient(
  clientIdOf: (req: Request) => string | undefined,
): Type<NestInterceptor> {
  @Injectable()
  class CorsForClientInterceptor implements NestInterceptor {
    constructor(@Inject(CorsPolicy) private readonly policy: CorsPolicy) {}

    async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
      const http = context.switchToHttp();
      const req = http.getRequest<Request>();
      await this.policy.allowActual(req, http.getResponse<Response>(), clientIdOf);
      return next.handle();
    }
  }
  return mixin(CorsForClientInterceptor);
}

/**
 * The client a token or revocation request is made for: the one its client authentication names
 * (claimedClientId). If it then fails to authenticate, the error is still that client's to read.
 */
export function clientNamedByRequest(req: Request): string | undefined {
  const { authorization } = req.headers;
  try {
    return claimedClientId(
      detectClientAuthentication({
        authorizationHeader: typeof authorization === 'string' ? authorization : undefined,
        body: isFormEncoded(req) ? (req.body as RawParams) : undefined,
      }),
    );
  } catch {
    return undefined;
  }
}

function setHeaders(res: Response, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'Vary') res.vary(value);
    else res.setHeader(name, value);
  }
}
