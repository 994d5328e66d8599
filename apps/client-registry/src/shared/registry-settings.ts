import type { OutboundPolicy } from '@latchkey/oauth';

/** What the registry takes from the platform configuration. */
export interface RegistrySettings {
  /** ADMIN_CLIENT_ID / ADMIN_CLIENT_SECRET: the client the registry keeps in existence at start. */
  adminClient?: { id: string; secret: string };
  /** The issuer: the audience of tokens for userinfo, so no API resource may claim it. */
  issuer: string;
  /** Which jwks_uri and backchannel_logout_uri values may be registered (the server calls them). */
  outbound?: OutboundPolicy;
  /** Seals upstream identity providers' client secrets (KEY_ENCRYPTION_KEY and its predecessors). */
  keyEncryptionKey?: string;
  previousKeyEncryptionKeys?: readonly string[];
}

export const REGISTRY_SETTINGS = 'LATCHKEY_REGISTRY_SETTINGS';
