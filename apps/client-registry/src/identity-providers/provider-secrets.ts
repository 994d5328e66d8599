import { Inject, Injectable } from '@nestjs/common';
import { KeyEncryption } from '@latchkey/core';
import { InvalidRequest } from '@latchkey/oauth';
import { REGISTRY_SETTINGS, type RegistrySettings } from '../shared/registry-settings';

/**
 * Upstream client secrets are sealed at rest as signing keys are (AES-256-GCM under
 * KEY_ENCRYPTION_KEY, docs/architecture.md §2.5), the provider id as associated data so a sealed
 * value moved to another row does not open. A registry without the key refuses to store one.
 */
@Injectable()
export class ProviderSecrets {
  private readonly encryption: KeyEncryption | undefined;

  constructor(@Inject(REGISTRY_SETTINGS) settings: RegistrySettings) {
    this.encryption = settings.keyEncryptionKey
      ? new KeyEncryption(settings.keyEncryptionKey, settings.previousKeyEncryptionKeys ?? [])
      : undefined;
  }

  seal(secret: string, providerId: string): string {
    if (!this.encryption) {
      throw new InvalidRequest('client_secret cannot be stored: KEY_ENCRYPTION_KEY is not set');
    }
    return this.encryption.encrypt(secret, aadOf(providerId));
  }

  unseal(sealed: string, providerId: string): string {
    if (!this.encryption) throw new Error('KEY_ENCRYPTION_KEY is not set');
    return this.encryption.decrypt(sealed, aadOf(providerId));
  }
}

/** Distinct from any signing key's kid, so a sealed value never opens as the other kind. */
export function aadOf(providerId: string): string {
  return `identity-provider:${providerId}`;
}
