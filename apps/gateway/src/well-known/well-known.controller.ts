import { Controller, Get, Req, Res } from '@nestjs/common';
import { allowAnyOrigin, sendJsonDocument } from '@latchkey/oauth-http';
import type { Request, Response } from 'express';
import { DiscoveryService } from './discovery.service';

/** Authorization server metadata: the same document under both well-known names, for any origin. */
const METADATA_HEADERS = {
  contentType: 'application/json; charset=utf-8',
  cacheControl: 'public, max-age=300',
};

@Controller()
export class WellKnownController {
  constructor(private readonly discovery: DiscoveryService) {}

  /** OpenID Connect Discovery 1.0 §4. */
  @Get('.well-known/openid-configuration')
  async openidConfiguration(@Req() req: Request, @Res() res: Response): Promise<void> {
    const document = await this.discovery.document();
    allowAnyOrigin(res);
    sendJsonDocument(req, res, document, METADATA_HEADERS);
  }

  /** RFC 8414 §3: the same metadata under the OAuth well-known name. */
  @Get('.well-known/oauth-authorization-server')
  async oauthAuthorizationServer(@Req() req: Request, @Res() res: Response): Promise<void> {
    const document = await this.discovery.document();
    allowAnyOrigin(res);
    sendJsonDocument(req, res, document, METADATA_HEADERS);
  }
}
