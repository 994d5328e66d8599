import { Inject, Injectable } from '@nestjs/common';
import { SIGNING_ALGORITHMS, type JwksResponse } from '@latchkey/contracts';
import { InvalidRequest } from '@latchkey/oauth';
import {
  compactVerify,
  createLocalJWKSet,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ISSUER } from '@latchkey/oauth-http';
import { JwksService } from '../well-known/jwks.service';

/** A compact JWS whose signature verified: its raw payload and protected header. */
export interface VerifiedIdTokenHint {
  payload: Uint8Array;
  protectedHeader: { typ?: string };
}

/**
 * OIDC Core §3.1.2.1 id_token_hint: an id_token this issuer signed for this client, possibly
 * expired (it names who the client believes is signed in, it grants nothing). Verified against
 * the published keys; its `sub` is what the request learns.
 */
@Injectable()
export class IdTokenHintVerifier {
  private keySet?: { jwks: JwksResponse; getKey: JWTVerifyGetKey };

  constructor(
    private readonly jwks: JwksService,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  /** The hinted user's `sub`; invalid_request when the hint is not such an id_token. */
  async subjectOf(idTokenHint: string, clientId: string): Promise<string> {
    return checkIdTokenHintClaims(await this.verify(idTokenHint), this.issuer, clientId);
  }

  /**
   * The hint's signature checked against the published keys (a key the cache lacks is looked up
   * once more), its claims not yet: callers check them for their endpoint (authorize, logout).
   */
  async verify(idTokenHint: string): Promise<VerifiedIdTokenHint> {
    try {
      return await this.verifySignature(await this.jwks.get(), idTokenHint);
    } catch (err) {
      if (!isNoMatchingKey(err)) throw toInvalidHint(err);
      try {
        return await this.verifySignature(await this.jwks.refresh(), idTokenHint);
      } catch (retryErr) {
        throw toInvalidHint(retryErr);
      }
    }
  }

  private verifySignature(jwks: JwksResponse, token: string): Promise<VerifiedIdTokenHint> {
    if (this.keySet?.jwks !== jwks) this.keySet = { jwks, getKey: createLocalJWKSet(jwks) };
    return compactVerify(token, this.keySet.getKey as Parameters<typeof compactVerify>[1], {
      algorithms: [...SIGNING_ALGORITHMS],
    });
  }
}

/**
 * The claims of a verified hint: from this issuer, for this client, with a subject, and not an
 * access token (RFC 9068 `typ: at+jwt`) signed by the same keys. Expiry is deliberately ignored.
 */
export function checkIdTokenHintClaims(
  verified: VerifiedIdTokenHint,
  issuer: string,
  clientId: string,
): string {
  const typ = verified.protectedHeader.typ?.toLowerCase().replace(/^application\//, '');
  if (typ === 'at+jwt') throw new InvalidRequest('id_token_hint is not an id_token');
  let payload: JWTPayload;
  try {
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as JWTPayload;
  } catch {
    throw new InvalidRequest('id_token_hint is not valid');
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (payload.iss !== issuer || !audiences.includes(clientId)) {
    throw new InvalidRequest('id_token_hint was not issued by this server for this client');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw new InvalidRequest('id_token_hint is not valid');
  }
  return payload.sub;
}

function isNoMatchingKey(err: unknown): boolean {
  return err instanceof errors.JOSEError && err.code === 'ERR_JWKS_NO_MATCHING_KEY';
}

/** jose's failures become invalid_request; a JWKS outage (an OAuthError) passes through. */
function toInvalidHint(err: unknown): unknown {
  if (err instanceof errors.JOSEError) return new InvalidRequest('id_token_hint is not valid');
  return err;
}
