import { applyDecorators, Header, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { clientNamedByRequest, CorsForClient } from './cors';

/**
 * The POST of a client's form request whose answer is JSON about tokens (token endpoint,
 * revocation): 200, never cached (RFC 6749 §5.1, hence no-store and HTTP/1.0's Pragma), with the
 * CORS headers of the client the request names (docs/architecture.md §3).
 */
export function ClientFormPost(): MethodDecorator {
  return applyDecorators(
    Post(),
    UseInterceptors(CorsForClient(clientNamedByRequest)),
    HttpCode(200),
    Header('Cache-Control', 'no-store'),
    Header('Pragma', 'no-cache'),
  );
}
