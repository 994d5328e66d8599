import { Controller, Get, Header } from '@nestjs/common';
import { DiscoveryService } from './discovery.service';

@Controller()
export class WellKnownController {
  constructor(private readonly discovery: DiscoveryService) {}

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
}
