import { Controller, Get, Header, UseFilters } from '@nestjs/common';
import type { JwksResponse } from '@latchkey/contracts';
import { PublicKeySet } from './endpoints';
import { OAuthErrorFilter } from './oauth-error.filter';

/** The path of the public key set, as the discovery document's `jwks_uri` names it. */
export const JWKS_PATH = '.well-known/jwks.json';

@Controller()
@UseFilters(OAuthErrorFilter)
export class JwksController {
  constructor(private readonly keySet: PublicKeySet) {}

  /** RFC 7517 key set; kept short-lived in caches so a rotated key is picked up quickly. */
  @Get(JWKS_PATH)
  @Header('Cache-Control', 'public, max-age=60')
  @Header('Content-Type', 'application/jwk-set+json; charset=utf-8')
  jwks(): Promise<JwksResponse> {
    return this.keySet.get();
  }
}
