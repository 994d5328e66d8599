import { OWN_AUDIT_SIGNING_KEY, type PlatformConfig } from '@latchkey/config';
import { generateAuditSigningKey } from '@latchkey/contracts';

/**
 * A configuration that gives the service its own audit signing key when it has none, as
 * AUDIT_SIGNING_KEY gives every distributed emitter one (test apps built from `loadConfig`).
 */
export function withAuditSigningKey(config: PlatformConfig): PlatformConfig {
  if (Object.keys(config.auditSigningKeys).length > 0) return config;
  return {
    ...config,
    auditSigningKeys: { [OWN_AUDIT_SIGNING_KEY]: generateAuditSigningKey().seed },
  };
}
