import { Controller, Get, Header } from '@nestjs/common';
import type { JwksResponse } from '@latchkey/contracts';
import { DiscoveryService } from './discovery.service';
import { JwksService } from './jwks.service';

@Controller()
export class WellKnownController {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly jwks: JwksService,
  ) {}

  /** OpenID Connect Discovery 1.0 §4. */
  @Get('.well-known/openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  openidConfiguration(): Record<string, unknown> {
    return this.discovery.document();
  }

  /** RFC 8414 §3: the same metadata under the OAuth well-known name. */
  @Get('.well-known/oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  oauthAuthorizationServer(): Record<string, unknown> {
    return this.discovery.document();
  }

  /** RFC 7517 key set; kept short-lived in caches so a rotated key is picked up quickly. */
  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=60')
  @Header('Content-Type', 'application/jwk-set+json; charset=utf-8')
  keys(): Promise<JwksResponse> {
    return this.jwks.get();
  }
}
