/**
 * Client authentication at the token, revocation and introspection endpoints: which method the
 * request uses and the credentials it carries (RFC 6749 §2.3, RFC 7521 §4.2, RFC 7523 §2.2).
 * Checking the credentials against the client record happens elsewhere.
 */
import { decodeJwt } from 'jose';
import { InvalidClient, InvalidRequest } from './errors/oauth-error';
import { isFieldText, isIdentifierText } from './input/text';
import { RawParams, readSingleParams } from './params';
import { isPlausibleClientId } from './policy/client-id';

/** RFC 7523 §2.2: the only client_assertion_type accepted. */
export const JWT_BEARER_CLIENT_ASSERTION_TYPE =
  'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface BasicCredentials {
  clientId: string;
  secret: string;
}

export type ClientAuthentication =
  | { method: 'client_secret_basic'; clientId: string; secret: string }
  | { method: 'client_secret_post'; clientId: string; secret: string }
  /** clientId is optional (RFC 7521 §4.2); the assertion's `sub` identifies the client. */
  | { method: 'private_key_jwt'; clientId?: string; assertion: string }
  | { method: 'none'; clientId: string };

/** Padded standard base64 (RFC 4648 §4), as RFC 7617 uses; base64url and stray bytes are refused. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes `Authorization: Basic ...` for client_secret_basic (RFC 6749 §2.3.1, RFC 7617): the
 * scheme is case-insensitive; the decoded text splits at its first colon (a client_id cannot hold a
 * colon unencoded, a secret may); each half was form-urlencoded before base64, so it is decoded
 * again. Anything malformed is invalid_client.
 */
export function parseBasicAuthorization(header: string): BasicCredentials {
  if (typeof header !== 'string') throw new InvalidClient('Authorization header is malformed');
  const parts = header.trim().split(/ +/);
  if (parts[0]?.toLowerCase() !== 'basic') {
    throw new InvalidClient('unsupported authorization scheme; use Basic');
  }
  const token = parts[1];
  if (parts.length !== 2 || token === undefined || token === '' || !BASE64.test(token)) {
    throw new InvalidClient('Basic credentials are missing or not valid base64');
  }
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(token, 'base64'));
  } catch {
    throw new InvalidClient('Basic credentials are not valid UTF-8');
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidClient('Basic credentials must have the form client_id:secret');
  const clientId = formUrlDecode(decoded.slice(0, colon), 'client_id');
  const secret = formUrlDecode(decoded.slice(colon + 1), 'client secret');
  if (clientId === '') throw new InvalidClient('Basic credentials have an empty client_id');
  if (secret === '') throw new InvalidClient('Basic credentials have an empty client secret');
  if (!isIdentifierText(clientId) || !isFieldText(secret)) {
    throw new InvalidClient('Basic credentials hold characters no client_id or secret can hold');
  }
  return { clientId, secret };
}

/** application/x-www-form-urlencoded decoding: `+` is a space, then percent-decoding. */
function formUrlDecode(value: string, what: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new InvalidClient(`Basic credentials have a malformed form-urlencoded ${what}`);
  }
}

export interface ClientAuthenticationRequest {
  authorizationHeader?: string;
  /** The form body of the request, as parsed. */
  body: RawParams | undefined;
}

const CLIENT_AUTH_PARAMS = [
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
] as const;

/**
 * Which client authentication method a request uses. RFC 6749 §2.3: a client MUST NOT use more
 * than one method per request, so several are invalid_request; none at all is invalid_client
 * (docs/architecture.md §3: 401 even when nothing was sent).
 */
export function detectClientAuthentication({
  authorizationHeader,
  body,
}: ClientAuthenticationRequest): ClientAuthentication {
  const params = readSingleParams(body, CLIENT_AUTH_PARAMS);
  const header = authorizationHeader?.trim() || undefined;

  const used: string[] = [];
  if (header !== undefined) used.push('Authorization header');
  if (params.client_secret !== undefined) used.push('client_secret');
  if (params.client_assertion !== undefined || params.client_assertion_type !== undefined) {
    used.push('client_assertion');
  }
  if (used.length > 1) {
    throw new InvalidRequest(
      `only one client authentication method may be used, got: ${used.join(', ')}`,
    );
  }

  if (header !== undefined) {
    const { clientId, secret } = parseBasicAuthorization(header);
    if (params.client_id !== undefined && params.client_id !== clientId) {
      throw new InvalidRequest('client_id in the body does not match the Authorization header');
    }
    return { method: 'client_secret_basic', clientId, secret };
  }

  if (params.client_secret !== undefined) {
    if (params.client_id === undefined) {
      throw new InvalidClient('client_secret was sent without client_id');
    }
    return {
      method: 'client_secret_post',
      clientId: params.client_id,
      secret: params.client_secret,
    };
  }

  if (params.client_assertion_type !== undefined || params.client_assertion !== undefined) {
    if (params.client_assertion_type !== JWT_BEARER_CLIENT_ASSERTION_TYPE) {
      throw new InvalidRequest(`client_assertion_type must be ${JWT_BEARER_CLIENT_ASSERTION_TYPE}`);
    }
    if (params.client_assertion === undefined) {
      throw new InvalidRequest('client_assertion is required with client_assertion_type');
    }
    return params.client_id === undefined
      ? { method: 'private_key_jwt', assertion: params.client_assertion }
      : {
          method: 'private_key_jwt',
          clientId: params.client_id,
          assertion: params.client_assertion,
        };
  }

  if (params.client_id !== undefined) return { method: 'none', clientId: params.client_id };
  throw new InvalidClient('no client authentication was provided');
}

/**
 * The client a request claims to be: its client_id, or the assertion's `sub` when a
 * private_key_jwt request has none (RFC 7521 §4.2). Read before anything is verified (to find the
 * client's record and keys); nothing is trusted until the credentials are checked against it.
 */
export function claimedClientId(auth: ClientAuthentication): string {
  const clientId =
    auth.method === 'private_key_jwt' && auth.clientId === undefined
      ? assertionSubject(auth.assertion)
      : auth.clientId;
  // Too long a client_id is refused before it costs a registry lookup.
  if (!isPlausibleClientId(clientId)) {
    throw new InvalidClient('client_id is missing or too long');
  }
  return clientId;
}

/** The `sub` of a client assertion, unverified (see claimedClientId). */
export function assertionSubject(assertion: string): string {
  let sub: unknown;
  try {
    sub = decodeJwt(assertion).sub;
  } catch {
    throw new InvalidClient('client assertion is not a JWT');
  }
  if (typeof sub !== 'string' || sub === '') {
    throw new InvalidClient('client assertion has no sub');
  }
  return sub;
}
