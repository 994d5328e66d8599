import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DEFAULT_KEY_ROTATION } from '@latchkey/config';
import { DEFAULT_SIGNING_ALGORITHM } from '@latchkey/contracts';
import { Clock } from '@latchkey/core';
import { readTogetherOnScrape, signingKeyAge, signingKeyExpiresIn } from '@latchkey/platform';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import { activeSince } from './key-rotation.policy';
import { SigningKeysRepository } from './signing-keys.repository';

/**
 * `latchkey_signing_key_age_seconds` and `latchkey_signing_key_expires_in_seconds` of the active
 * key of the default algorithm, read from the database at each scrape: a rotation that stopped
 * happening (scheduler down, database read-only) shows as a key older than the interval, and a
 * negative time until it is due. With scheduled rotation off the key is never due (+Inf).
 */
@Injectable()
export class SigningKeyMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private stop?: () => void;

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly clock: Clock,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
  ) {}

  onApplicationBootstrap(): void {
    const age = signingKeyAge();
    const expiresIn = signingKeyExpiresIn();
    const intervalHours = (this.config.keyRotation ?? DEFAULT_KEY_ROTATION).intervalHours;
    const query = async () => {
      const active = await this.keys.findActive(DEFAULT_SIGNING_ALGORITHM);
      if (!active) return;
      const since = activeSince(active).getTime();
      const now = this.clock.now().getTime();
      age.set((now - since) / 1000);
      expiresIn.set(intervalHours > 0 ? (since + intervalHours * 3600_000 - now) / 1000 : Infinity);
    };
    this.stop = readTogetherOnScrape([age, expiresIn], query);
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }
}
