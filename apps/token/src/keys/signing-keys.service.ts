import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  DEFAULT_SIGNING_ALGORITHM,
  JwksResponse,
  SIGNING_ALGORITHMS,
  SigningAlgorithm,
} from '@latchkey/contracts';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import { Clock } from '@latchkey/core';
import { KeyEncryption } from '@latchkey/core';
import type { SigningKeyEntity } from './signing-key.entity';
import { SigningKeysRepository } from './signing-keys.repository';

export interface ActiveSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
}

/**
 * How long a replica keeps using the active key it read before reading it again. Every replica
 * reads the active key from the database, so all agree within this time after a promotion; the
 * retired key stays published far longer (see retiredKeyPublishUntil).
 */
export const ACTIVE_KEY_CACHE_MS = 10_000;

/**
 * Owns the signing keys: makes sure each algorithm has an active key, publishes the JWKS (next,
 * active and still-published retired keys), and hands the active private key to the signers.
 */
@Injectable()
export class SigningKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SigningKeysService.name);
  private readonly privateKeys = new Map<string, Promise<CryptoKey>>();
  private readonly activeRows = new Map<string, { row: SigningKeyEntity; readAt: number }>();
  private generation = 0;

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly encryption: KeyEncryption,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const alg of SIGNING_ALGORITHMS) await this.ensureActiveKey(alg);
  }

  async jwks(now = this.clock.now()): Promise<JwksResponse> {
    const published = await this.keys.findPublished(now);
    return { keys: published.map((k) => ({ ...k.publicJwk }) as JWK) };
  }

  async activeKey(alg: SigningAlgorithm = DEFAULT_SIGNING_ALGORITHM): Promise<ActiveSigningKey> {
    const row = await this.activeRow(alg);
    let privateKey = this.privateKeys.get(row.kid);
    if (!privateKey) {
      const jwk = JSON.parse(this.encryption.decrypt(row.privateJwkSealed, row.kid)) as JWK;
      privateKey = importJWK(jwk, alg) as Promise<CryptoKey>;
      this.privateKeys.set(row.kid, privateKey);
    }
    return { kid: row.kid, alg, privateKey: await privateKey };
  }

  /**
   * Counts this replica's own changes to the keys, so that caches of the key set here (the
   * access-token validator's) reload at once; other replicas' caches expire on their own.
   */
  get keySetGeneration(): number {
    return this.generation;
  }

  /** After this replica changed the keys: read them again at the next signature or check. */
  forgetActiveKeys(deletedKids: readonly string[] = []): void {
    this.activeRows.clear();
    for (const kid of deletedKids) this.privateKeys.delete(kid);
    this.generation += 1;
  }

  private async activeRow(alg: SigningAlgorithm): Promise<SigningKeyEntity> {
    const now = this.clock.now().getTime();
    const cached = this.activeRows.get(alg);
    if (cached && now - cached.readAt < ACTIVE_KEY_CACHE_MS && now >= cached.readAt) {
      return cached.row;
    }
    const row = (await this.keys.findActive(alg)) ?? (await this.ensureActiveKey(alg));
    this.activeRows.set(alg, { row, readAt: now });
    return row;
  }

  private async ensureActiveKey(alg: SigningAlgorithm) {
    const existing = await this.keys.findActive(alg);
    if (existing) return existing;
    const generated = await this.generate(alg);
    const inserted = await this.keys.insertActiveIfNone(generated);
    if (inserted) this.logger.log(`generated ${alg} signing key ${generated.kid}`);
    const active = await this.keys.findActive(alg);
    if (!active) throw new Error(`no active ${alg} signing key after generation`);
    return active;
  }

  /** A new key pair for `alg`, its private half sealed for storage. */
  async generate(alg: SigningAlgorithm) {
    const generated = await generateSigningKey(alg);
    return {
      kid: generated.kid,
      alg,
      publicJwk: generated.publicJwk,
      privateJwkSealed: this.encryption.encrypt(
        JSON.stringify(generated.privateJwk),
        generated.kid,
      ),
    };
  }
}

export async function generateSigningKey(alg: SigningAlgorithm) {
  const options =
    alg === 'RS256' ? { modulusLength: 2048, extractable: true } : { extractable: true };
  const { publicKey, privateKey } = await generateKeyPair(alg, options);
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  // RFC 7638 thumbprint as kid: stable, unique, and derivable by anyone holding the public key.
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    privateJwk: { ...privateJwk, kid, alg },
  };
}
