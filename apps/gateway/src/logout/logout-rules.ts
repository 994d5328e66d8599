import type { ClientRecord } from '@latchkey/contracts';
import { InvalidRequest, readSingleParams, type RawParams } from '@latchkey/oauth';
import type { JWTPayload } from 'jose';
import { withQueryParams } from '../authorize/authorization-response';
import type { VerifiedIdTokenHint } from '../authorize/id-token-hint.verifier';
import type { SsoSession } from '../session/sso-session';

/**
 * OIDC RP-Initiated Logout 1.0 §2 request parameters the server acts on. `ui_locales` and
 * `logout_hint` are accepted and ignored (the pages have one language; the session is the
 * browser's, whatever the hint).
 */
export const LOGOUT_PARAMETERS = [
  'id_token_hint',
  'client_id',
  'post_logout_redirect_uri',
  'state',
] as const;

export type LogoutParameters = Partial<Record<(typeof LOGOUT_PARAMETERS)[number], string>>;

/** What a verified id_token_hint tells the logout endpoint. */
export interface LogoutHint {
  sub: string;
  /** The SSO session the id_token was issued in (OIDC Front/Back-Channel Logout `sid`). */
  sid?: string;
  /** The client the id_token was issued to. */
  client_id: string;
}

/** Each parameter once (a repeated one is refused, as at /authorize). */
export function readLogoutParameters(raw: RawParams | undefined): LogoutParameters {
  return readSingleParams(raw, LOGOUT_PARAMETERS);
}

/**
 * The claims of an id_token_hint whose signature verified: from this issuer, an id_token (not an
 * RFC 9068 access token signed by the same keys), with a subject and one client. Expiry is
 * ignored on purpose (§2: the OP should accept an expired one; it only names a session).
 */
export function checkLogoutHintClaims(verified: VerifiedIdTokenHint, issuer: string): LogoutHint {
  const typ = verified.protectedHeader.typ?.toLowerCase().replace(/^application\//, '');
  if (typ === 'at+jwt') throw new InvalidRequest('id_token_hint is not an id_token');
  let payload: JWTPayload;
  try {
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as JWTPayload;
  } catch {
    throw new InvalidRequest('id_token_hint is not valid');
  }
  if (payload.iss !== issuer) {
    throw new InvalidRequest('id_token_hint was not issued by this server');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw new InvalidRequest('id_token_hint is not valid');
  }
  const clientId = clientOf(payload);
  if (clientId === undefined) throw new InvalidRequest('id_token_hint names no single client');
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined;
  return { sub: payload.sub, client_id: clientId, ...(sid ? { sid } : {}) };
}

/** OIDC Core §2: `azp` when present, else the only audience. */
function clientOf(payload: JWTPayload): string | undefined {
  if (typeof payload.azp === 'string' && payload.azp !== '') return payload.azp;
  if (typeof payload.aud === 'string' && payload.aud !== '') return payload.aud;
  if (Array.isArray(payload.aud) && payload.aud.length === 1) {
    const [only] = payload.aud;
    return typeof only === 'string' && only !== '' ? only : undefined;
  }
  return undefined;
}

/**
 * §2: when both are sent, client_id must be the client the id_token_hint was issued to. Answers
 * the client the request is from, if it names one.
 */
export function checkClientIdMatchesHint(
  clientId: string | undefined,
  hint: LogoutHint | undefined,
): string | undefined {
  if (clientId !== undefined && hint !== undefined && clientId !== hint.client_id) {
    throw new InvalidRequest('client_id is not the client the id_token_hint was issued to');
  }
  return hint?.client_id ?? clientId;
}

/**
 * §3: post_logout_redirect_uri only for a known client (from the hint or client_id) that
 * registered exactly this URI (string comparison, as for redirect_uri; no loopback port
 * leniency: it is not a native app's callback). Any failure is shown to the user, never
 * redirected: the URI is not proven.
 */
export function checkPostLogoutRedirectUri(
  uri: string | undefined,
  clientId: string | undefined,
  client: ClientRecord | null | undefined,
): string | undefined {
  if (uri === undefined) return undefined;
  if (clientId === undefined) {
    throw new InvalidRequest('post_logout_redirect_uri needs id_token_hint or client_id');
  }
  if (!client || client.disabled) {
    throw new InvalidRequest('post_logout_redirect_uri is for a client that is not registered');
  }
  if (!client.post_logout_redirect_uris.includes(uri)) {
    throw new InvalidRequest(
      "post_logout_redirect_uri is not one of the client's registered post_logout_redirect_uris",
    );
  }
  return uri;
}

/**
 * Whether the hint names the browser's session: the same user and, as id_tokens of a session
 * carry it, the same `sid`. Only then may the session end without asking the user (a leaked
 * id_token of another session cannot sign the browser out).
 */
export function hintMatchesSession(hint: LogoutHint, session: SsoSession): boolean {
  return hint.sub === session.sub && hint.sid !== undefined && hint.sid === session.sid;
}

/** §3: the registered URI, with the client's `state` added to its query when it sent one. */
export function postLogoutRedirect(uri: string, state: string | undefined): string {
  return state === undefined ? uri : withQueryParams(uri, { state });
}
