/** What the registry takes from the platform configuration. */
export interface RegistrySettings {
  /** ADMIN_CLIENT_ID / ADMIN_CLIENT_SECRET: the client the registry keeps in existence at start. */
  adminClient?: { id: string; secret: string };
  /** The issuer: the audience of tokens for userinfo, so no API resource may claim it. */
  issuer: string;
}

export const REGISTRY_SETTINGS = 'LATCHKEY_REGISTRY_SETTINGS';
