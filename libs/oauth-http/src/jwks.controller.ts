import { Controller, Get, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { allowAnyOrigin } from './cors';
import { PublicKeySet } from './endpoints';
import { sendJsonDocument } from './json-document';
import { OAuthErrorFilter } from './oauth-error.filter';

/** The path of the public key set, as the discovery document's `jwks_uri` names it. */
export const JWKS_PATH = '.well-known/jwks.json';

@Controller()
@UseFilters(OAuthErrorFilter)
export class JwksController {
  constructor(private readonly keySet: PublicKeySet) {}

  /**
   * RFC 7517 key set, for any origin; kept short-lived in caches so a rotated key is picked up
   * quickly.
   */
  @Get(JWKS_PATH)
  async jwks(@Req() req: Request, @Res() res: Response): Promise<void> {
    allowAnyOrigin(res);
    sendJsonDocument(req, res, await this.keySet.get(), {
      contentType: 'application/jwk-set+json; charset=utf-8',
      cacheControl: 'public, max-age=60',
    });
  }
}
