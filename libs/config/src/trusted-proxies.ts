import { isIP } from 'node:net';

/** Named address ranges Express's `trust proxy` understands (proxy-addr presets). */
export const TRUSTED_PROXY_PRESETS = ['loopback', 'linklocal', 'uniquelocal'] as const;

/**
 * The entries of TRUSTED_PROXIES: comma-separated IP addresses, CIDR ranges (`10.0.0.0/8`,
 * `fd00::/8`) or presets. Empty: no proxy is trusted, so `X-Forwarded-*` headers are ignored and
 * the client address is the peer's (docs/architecture.md §5).
 */
export function parseTrustedProxies(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** One entry: a preset, an address, or an address with a prefix length that fits its family. */
export function isTrustedProxyEntry(entry: string): boolean {
  if ((TRUSTED_PROXY_PRESETS as readonly string[]).includes(entry)) return true;
  const slash = entry.indexOf('/');
  if (slash < 0) return isIP(entry) !== 0;
  const family = isIP(entry.slice(0, slash));
  const prefix = entry.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
