import {
  calculateJwkThumbprint,
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  exportJWK,
  type JSONWebKeySet,
  type JWK,
  type KeyObject,
} from 'jose';
import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import type { AuditCheckpoint, AuditCheckpointJwk, AuditKeysResponse } from '@latchkey/contracts';

/**
 * Signed checkpoints of the audit chain (docs/audit.md): the audit service signs the head it has
 * stored (seq, hash, time) with its Ed25519 key as a compact JWS. Whoever keeps one can later
 * prove that the row at `seq` still has that hash, so truncating or rewriting the chain behind a
 * checkpoint is detectable even by someone who can write to the database.
 */

/** JWS `typ` of a checkpoint, so no other signed object of the platform passes for one. */
export const AUDIT_CHECKPOINT_TYP = 'latchkey-audit-checkpoint';
/** Ed25519 (RFC 8037). */
export const AUDIT_CHECKPOINT_ALG = 'EdDSA';

/** What a checkpoint signs. */
export interface AuditCheckpointClaims {
  /** The issuer of the installation whose chain this is. */
  iss: string;
  seq: number;
  hash: string;
  /** RFC 3339, when the checkpoint was taken. */
  time: string;
}

/** The audit service's signing key, ready to sign. */
export interface CheckpointSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: AuditCheckpointJwk;
}

/**
 * Reads an Ed25519 private key given as a JWK (`{"kty":"OKP","crv":"Ed25519","d":...,"x":...}`);
 * the key id is its RFC 7638 thumbprint, so it needs no configuration of its own.
 */
export async function readCheckpointSigningKey(privateJwk: JWK): Promise<CheckpointSigningKey> {
  if (
    privateJwk.kty !== 'OKP' ||
    privateJwk.crv !== 'Ed25519' ||
    typeof privateJwk.d !== 'string'
  ) {
    throw new TypeError('the audit checkpoint key must be an Ed25519 private JWK');
  }
  const privateKey = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
  const { x } = await exportJWK(createPublicKey(privateKey));
  const publicJwk = await publicCheckpointJwk({ x: x as string });
  return { kid: publicJwk.kid, privateKey, publicJwk };
}

/** The published form of an Ed25519 public key: its RFC 7638 thumbprint is its kid. */
export async function publicCheckpointJwk(key: { x: string }): Promise<AuditCheckpointJwk> {
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: key.x });
  return { kty: 'OKP', crv: 'Ed25519', x: key.x, kid, alg: AUDIT_CHECKPOINT_ALG, use: 'sig' };
}

export async function signCheckpoint(
  key: CheckpointSigningKey,
  claims: AuditCheckpointClaims,
): Promise<AuditCheckpoint> {
  const payload = new TextEncoder().encode(JSON.stringify(claims));
  const jws = await new CompactSign(payload)
    .setProtectedHeader({ alg: AUDIT_CHECKPOINT_ALG, kid: key.kid, typ: AUDIT_CHECKPOINT_TYP })
    .sign(key.privateKey);
  return { seq: claims.seq, hash: claims.hash, time: claims.time, kid: key.kid, jws };
}

/** Why a checkpoint is not to be believed, or undefined when it is. */
export type CheckpointProblem = 'unknown_key' | 'bad_signature' | 'claims_mismatch';

/**
 * Checks the JWS with the given keys (EdDSA only, `typ` exact) and that the plain fields beside it
 * are the ones it signed (they are what the chain is compared with).
 */
export async function verifyCheckpoint(
  checkpoint: AuditCheckpoint,
  keys: AuditKeysResponse | JSONWebKeySet,
  issuer?: string,
): Promise<CheckpointProblem | undefined> {
  const known = keys.keys.some((k) => k.kid === checkpoint.kid);
  if (!known) return 'unknown_key';
  let claims: Partial<AuditCheckpointClaims>;
  try {
    const { payload, protectedHeader } = await compactVerify(
      checkpoint.jws,
      createLocalJWKSet(keys as JSONWebKeySet),
      { algorithms: [AUDIT_CHECKPOINT_ALG] },
    );
    if (protectedHeader.typ !== AUDIT_CHECKPOINT_TYP || protectedHeader.kid !== checkpoint.kid) {
      return 'bad_signature';
    }
    claims = JSON.parse(new TextDecoder().decode(payload)) as Partial<AuditCheckpointClaims>;
  } catch {
    return 'bad_signature';
  }
  const matches =
    claims.seq === checkpoint.seq &&
    claims.hash === checkpoint.hash &&
    claims.time === checkpoint.time &&
    (issuer === undefined || claims.iss === issuer);
  return matches ? undefined : 'claims_mismatch';
}
