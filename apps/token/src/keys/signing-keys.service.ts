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
import { KeyEncryption } from './key-encryption';
import { SigningKeysRepository } from './signing-keys.repository';

export interface ActiveSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
}

/**
 * Owns the signing keys: makes sure each algorithm has an active key, publishes the JWKS,
 * and hands the active private key to the token signers.
 */
@Injectable()
export class SigningKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SigningKeysService.name);
  private readonly privateKeys = new Map<string, Promise<CryptoKey>>();

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly encryption: KeyEncryption,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const alg of SIGNING_ALGORITHMS) await this.ensureActiveKey(alg);
  }

  async jwks(now = new Date()): Promise<JwksResponse> {
    const published = await this.keys.findPublished(now);
    return { keys: published.map((k) => ({ ...k.publicJwk }) as JWK) };
  }

  async activeKey(alg: SigningAlgorithm = DEFAULT_SIGNING_ALGORITHM): Promise<ActiveSigningKey> {
    const row = (await this.keys.findActive(alg)) ?? (await this.ensureActiveKey(alg));
    let privateKey = this.privateKeys.get(row.kid);
    if (!privateKey) {
      const jwk = JSON.parse(this.encryption.decrypt(row.privateJwkSealed, row.kid)) as JWK;
      privateKey = importJWK(jwk, alg) as Promise<CryptoKey>;
      this.privateKeys.set(row.kid, privateKey);
    }
    return { kid: row.kid, alg, privateKey: await privateKey };
  }

  private async ensureActiveKey(alg: SigningAlgorithm) {
    const existing = await this.keys.findActive(alg);
    if (existing) return existing;
    const generated = await generateSigningKey(alg);
    const inserted = await this.keys.insertActiveIfNone({
      kid: generated.kid,
      alg,
      status: 'active',
      publicJwk: generated.publicJwk,
      privateJwkSealed: this.encryption.encrypt(
        JSON.stringify(generated.privateJwk),
        generated.kid,
      ),
    });
    if (inserted) this.logger.log(`generated ${alg} signing key ${generated.kid}`);
    const active = await this.keys.findActive(alg);
    if (!active) throw new Error(`no active ${alg} signing key after generation`);
    return active;
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
