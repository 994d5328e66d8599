import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import type { AuditEvent, AuditEventKeyJwk } from './audit.messages';
import { canonicalJson } from './canonical-json';

/**
 * Audit event signatures (docs/audit-consumers.md): every service signs the events it emits with
 * its own Ed25519 key, so an event on the stream proves which service wrote it, whoever could
 * publish there. Two CloudEvents extension attributes carry it: `sigkid`, the RFC 7638 thumbprint
 * of the public key, and `sig`, the base64url Ed25519 signature of the canonical JSON
 * (RFC 8785) of the event without `sig`. The chain stores events with both, so the signature is
 * covered by the chain and can be checked again offline.
 */

/** A service's private key, ready to sign. */
export interface AuditSigningKey {
  service: string;
  kid: string;
  privateKey: KeyObject;
}

/** A public key the audit service accepts events from, and the one service it speaks for. */
export interface AuditVerificationKey {
  service: string;
  kid: string;
  publicKey: KeyObject;
  /** Base64url raw public key (the JWK `x`), as configured. */
  x: string;
}

export type SignedAuditEvent = AuditEvent & { sigkid: string; sig: string };

/** Why a signature was refused; also the `reason` label of the rejection metric. */
export type AuditSignatureProblem = 'unsigned' | 'unknown_key' | 'wrong_source' | 'bad_signature';

export type AuditSignatureVerdict =
  { valid: true; key: AuditVerificationKey } | { valid: false; problem: AuditSignatureProblem };

/** RFC 8410 PKCS#8 header of an Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

/** A private key from its 32-byte seed (base64url), for `service`. Throws on a malformed seed. */
export function auditSigningKeyFromSeed(service: string, seed: string): AuditSigningKey {
  if (!BASE64URL_32_BYTES.test(seed)) {
    throw new TypeError('an audit signing key is 32 bytes, base64url-encoded (43 characters)');
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(seed, 'base64url')]),
    format: 'der',
    type: 'pkcs8',
  });
  return { service, kid: auditKeyId(publicKeyX(createPublicKey(privateKey))), privateKey };
}

/** A public key (base64url raw 32 bytes, the JWK `x`) accepted for `service`'s events. */
export function auditVerificationKey(service: string, x: string): AuditVerificationKey {
  if (!BASE64URL_32_BYTES.test(x)) {
    throw new TypeError('an audit public key is 32 bytes, base64url-encoded (43 characters)');
  }
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  return { service, kid: auditKeyId(x), publicKey, x };
}

/** The public half of a signing key, to configure on the audit service. */
export function auditVerificationKeyOf(key: AuditSigningKey): AuditVerificationKey {
  return auditVerificationKey(key.service, publicKeyX(createPublicKey(key.privateKey)));
}

/** A fresh key pair: the seed for the service, the public half for the audit service. */
export function generateAuditSigningKey(): { seed: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  return { seed: seed.toString('base64url'), publicKey: publicKeyX(publicKey) };
}

/** The event as its emitter sends it: `sigkid` and `sig` added, any earlier signature replaced. */
export function signAuditEvent(event: AuditEvent, key: AuditSigningKey): SignedAuditEvent {
  const unsigned = { ...withoutSignature(event), sigkid: key.kid };
  const sig = sign(null, Buffer.from(canonicalJson(unsigned), 'utf8'), key.privateKey);
  return { ...unsigned, sig: sig.toString('base64url') };
}

/**
 * Checks an event's signature against the keys the audit service trusts: the key named by
 * `sigkid` must be known, belong to the service named by `source` (`<service>`, or a URI ending
 * in `/<service>`), and have signed exactly this event.
 */
export function verifyAuditEventSignature(
  event: object,
  keys: ReadonlyMap<string, AuditVerificationKey>,
): AuditSignatureVerdict {
  const { sig, sigkid, source } = event as Record<string, unknown>;
  if (typeof sig !== 'string' || typeof sigkid !== 'string') {
    return { valid: false, problem: 'unsigned' };
  }
  const key = keys.get(sigkid);
  if (!key) return { valid: false, problem: 'unknown_key' };
  if (!speaksFor(source, key.service)) return { valid: false, problem: 'wrong_source' };
  let signed: string;
  try {
    signed = canonicalJson(withoutSignature(event));
  } catch {
    return { valid: false, problem: 'bad_signature' };
  }
  const ok = verify(
    null,
    Buffer.from(signed, 'utf8'),
    key.publicKey,
    Buffer.from(sig, 'base64url'),
  );
  return ok ? { valid: true, key } : { valid: false, problem: 'bad_signature' };
}

/** Trusted keys by `sigkid`, as verifyAuditEventSignature looks them up. */
export function auditKeyRing(
  keys: readonly AuditVerificationKey[],
): ReadonlyMap<string, AuditVerificationKey> {
  return new Map(keys.map((key) => [key.kid, key]));
}

/** A service's public key as published at GET /admin/audit/keys (`event_keys`). */
export function auditEventKeyJwk(key: AuditVerificationKey): AuditEventKeyJwk {
  return {
    kty: 'OKP',
    crv: 'Ed25519',
    x: key.x,
    kid: key.kid,
    alg: 'EdDSA',
    use: 'sig',
    service: key.service,
  };
}

/**
 * Published event keys (`event_keys`, from the server or from a file kept apart) as a key ring.
 * An entry that is not an Ed25519 key naming its service, or whose `kid` is not its thumbprint,
 * is left out: events it would verify then fail as signed by an unknown key.
 */
export function auditEventKeyRing(
  jwks: readonly unknown[] | undefined,
): ReadonlyMap<string, AuditVerificationKey> {
  const keys: AuditVerificationKey[] = [];
  for (const jwk of jwks ?? []) {
    const { kty, crv, x, kid, service } = (jwk ?? {}) as Record<string, unknown>;
    if (kty !== 'OKP' || crv !== 'Ed25519') continue;
    if (typeof x !== 'string' || typeof service !== 'string' || service === '') continue;
    try {
      const key = auditVerificationKey(service, x);
      if (key.kid === kid) keys.push(key);
    } catch {
      // Not a public key: left out.
    }
  }
  return auditKeyRing(keys);
}

function speaksFor(source: unknown, service: string): boolean {
  return typeof source === 'string' && (source === service || source.endsWith(`/${service}`));
}

function withoutSignature<T extends object>(event: T): Omit<T, 'sig'> {
  const { sig: _sig, ...rest } = event as T & { sig?: unknown };
  return rest;
}

function publicKeyX(publicKey: KeyObject): string {
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new TypeError('not an Ed25519 public key');
  return x;
}

/** RFC 7638 JWK thumbprint: SHA-256 of the required members in lexicographic order. */
function auditKeyId(x: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
    .digest('base64url');
}
