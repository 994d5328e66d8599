import type { KvStore } from '@latchkey/kv';
import {
  checkClientAssertionExpiry,
  checkClientAssertionJti,
  CLIENT_ASSERTION_CLOCK_TOLERANCE_SECONDS,
  clientAssertionAlgorithms,
  clientAssertionAudiences,
  clientAssertionReplayWindowMs,
  InvalidClient,
} from '@latchkey/oauth';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { TokenClient } from '../clients/client-record';

export interface PrivateKeyJwtContext {
  /** The issuer identifier: the assertion's audience is it or its token endpoint. */
  issuer: string;
  now: Date;
  /** The client's public keys (ClientKeysResolver). */
  keys: JWTVerifyGetKey;
  /** Where used jti values are remembered (Redis in production, shared by all replicas). */
  kv: KvStore;
}

/**
 * private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core §9): a JWT signed with a key the client
 * registered, issued by and about the client, for this server, short-lived and used once.
 */
export async function authenticatePrivateKeyJwt(
  client: TokenClient,
  assertion: string,
  context: PrivateKeyJwtContext,
): Promise<void> {
  const payload = await verifyClientAssertion(client, assertion, context);
  const exp = checkClientAssertionExpiry(payload.exp, Math.floor(context.now.getTime() / 1000));
  const jti = checkClientAssertionJti(payload.jti);
  await checkClientAssertionNotReplayed(client.client_id, jti, exp, context);
}

/**
 * Signature with one of the client's keys and an allowed asymmetric algorithm; `iss` = `sub` =
 * client_id; `aud` names this server; `exp` and `jti` present; `exp`/`nbf` valid at `now`.
 */
async function verifyClientAssertion(
  client: TokenClient,
  assertion: string,
  { issuer, now, keys }: PrivateKeyJwtContext,
): Promise<JWTPayload> {
  const algorithms = clientAssertionAlgorithms(client.token_endpoint_auth_signing_alg);
  try {
    const { payload } = await jwtVerify(assertion, keys, {
      algorithms,
      issuer: client.client_id,
      subject: client.client_id,
      audience: clientAssertionAudiences(issuer),
      requiredClaims: ['exp', 'jti'],
      currentDate: now,
      clockTolerance: CLIENT_ASSERTION_CLOCK_TOLERANCE_SECONDS,
    });
    return payload;
  } catch (err) {
    throw new InvalidClient(`client assertion rejected: ${describeJoseError(err)}`);
  }
}

/**
 * RFC 7523 §3 point 7: the jti is recorded atomically (SET NX) until the assertion expires; a
 * second use, on any replica, finds it. A store that cannot answer fails the request (503) rather
 * than skipping the check.
 */
export async function checkClientAssertionNotReplayed(
  clientId: string,
  jti: string,
  exp: number,
  { now, kv }: Pick<PrivateKeyJwtContext, 'now' | 'kv'>,
): Promise<void> {
  // A store that cannot answer is an outage (503), never a verdict on the client.
  const first = await kv.setIfAbsent(
    `pkjwt:jti:${clientId}:${jti}`,
    '1',
    clientAssertionReplayWindowMs(exp, now.getTime()),
  );
  if (!first) throw new InvalidClient('client assertion jti was already used');
}

/** jose's stable error codes (and the failing claim), never the token. */
function describeJoseError(err: unknown): string {
  if (err instanceof errors.JWTClaimValidationFailed) return `${err.code} (${err.claim})`;
  if (err instanceof errors.JOSEError) return err.code;
  if (err instanceof Error) return err.name;
  return 'unknown error';
}
