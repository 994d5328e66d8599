import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  ALL_SERVICES,
  auditSigningKeyFromSeed,
  auditVerificationKeyOf,
  generateAuditSigningKey,
} from '@latchkey/contracts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_AUDIT_SETTINGS, type Ed25519Jwk, type PlatformConfig } from './platform.config';

/**
 * Embedded mode needs no configuration: secrets an operator would set in production are
 * generated once into the data directory (files readable by the owner only) and reused.
 */
export function embeddedConfig(config: PlatformConfig): PlatformConfig {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const adminClient =
    config.adminClient ??
    readOrCreateJson(path.join(config.dataDir, 'admin-client.json'), () => ({
      id: 'latchkey-admin',
      secret: randomBytes(32).toString('base64url'),
    }));
  const keyEncryptionKey =
    config.keyEncryptionKey ??
    readOrCreateText(path.join(config.dataDir, 'key-encryption.key'), () =>
      randomBytes(32).toString('base64url'),
    );
  const cookieSecrets = config.cookieSecrets ?? [
    readOrCreateText(path.join(config.dataDir, 'cookie-secret.key'), () =>
      randomBytes(32).toString('base64url'),
    ),
  ];
  const audit = config.audit ?? { ...DEFAULT_AUDIT_SETTINGS, previousCheckpointKeys: [] };
  const checkpointKey =
    audit.checkpointKey ??
    readOrCreateJson<Ed25519Jwk>(path.join(config.dataDir, 'audit-checkpoint-key.json'), () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      return privateKey.export({ format: 'jwk' }) as Ed25519Jwk;
    });
  // One key per service, as in distributed mode, so an event proves which service wrote it.
  const auditSigningKeys = readOrCreateJson(
    path.join(config.dataDir, 'audit-signing-keys.json'),
    () =>
      Object.fromEntries(ALL_SERVICES.map((service) => [service, generateAuditSigningKey().seed])),
  );
  const auditEventPublicKeys = [
    ...config.auditEventPublicKeys,
    ...Object.entries(auditSigningKeys).map(([service, seed]) => ({
      service,
      publicKey: auditVerificationKeyOf(auditSigningKeyFromSeed(service, seed)).x,
    })),
  ];
  return {
    ...config,
    mode: 'embedded',
    adminClient,
    keyEncryptionKey,
    cookieSecrets,
    audit: { ...audit, checkpointKey },
    auditSigningKeys,
    auditEventPublicKeys,
  };
}

function readOrCreateJson<T>(file: string, create: () => T): T {
  return JSON.parse(readOrCreateText(file, () => JSON.stringify(create(), null, 2))) as T;
}

function readOrCreateText(file: string, create: () => string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const value = create();
    // 'wx' fails if another process created it meanwhile; then read theirs.
    try {
      writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
      return value;
    } catch (writeErr) {
      if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErr;
      return readFileSync(file, 'utf8').trim();
    }
  }
}
