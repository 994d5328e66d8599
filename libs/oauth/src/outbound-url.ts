/**
 * The one policy for every URL the server itself calls on a client's or an operator's behalf
 * (a client's jwks_uri, its backchannel_logout_uri, later an upstream identity provider): the
 * rules against server-side request forgery (docs/architecture.md §3).
 *
 *  - https only; plain http only to a non-public address the operator allowed (a development
 *    machine, a trusted internal network), never to the internet;
 *  - no loopback, private, link-local, unique-local, CGNAT, multicast, unspecified, reserved or
 *    documentation address (IPv4 and IPv6, IPv4-mapped and translated IPv6 judged by the IPv4
 *    address inside) unless the operator allows it (OUTBOUND_ALLOW_PRIVATE, OUTBOUND_ALLOWED_CIDRS);
 *  - the URL rules are checked when a client registers the URI, and the address rules again for
 *    every address a host name resolves to, just before connecting to that very address (the
 *    caller's HTTP client does that, so a name that changes its answer cannot slip through).
 *
 * Pure: no I/O. Problems are descriptions that never echo the URI (RFC 6749 error_description).
 */
import { redirectUriProblem } from './redirect-uri';

export interface OutboundPolicy {
  /** Every non-public range is allowed (OUTBOUND_ALLOW_PRIVATE=true). */
  allowPrivate: boolean;
  /** Non-public ranges allowed one by one, as CIDRs (OUTBOUND_ALLOWED_CIDRS). */
  allowedCidrs: readonly string[];
}

/** The default: public https targets only. */
export const STRICT_OUTBOUND_POLICY: OutboundPolicy = Object.freeze({
  allowPrivate: false,
  allowedCidrs: Object.freeze([]) as readonly string[],
});

/** An address as 16 bytes; IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one range list fits both. */
type Address = Uint8Array;

interface Range {
  prefix: Address;
  bits: number;
}

/** The kind of non-public range an address is in, for the refusal's description. */
export type SpecialRange =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'shared (CGNAT)'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'broadcast';

/** IPv4 special-purpose ranges (RFC 6890 and its updates) that a server must not call by default. */
const IPV4_SPECIAL: readonly [string, SpecialRange][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared (CGNAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
];

/** IPv6 special-purpose ranges; the IPv4-embedding ones are judged by their IPv4 address. */
const IPV6_SPECIAL: readonly [string, SpecialRange][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  // IPv4-compatible addresses (deprecated, RFC 4291 §2.5.5.1): nothing legitimate uses them.
  ['::/96', 'reserved'],
  ['100::/64', 'reserved'],
  ['2001::/23', 'reserved'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];

/** Prefixes that carry an IPv4 address, and the byte offset where it sits. */
const IPV4_EMBEDDING: readonly [string, number][] = [
  ['::ffff:0:0/96', 12], // IPv4-mapped (RFC 4291 §2.5.5.2)
  ['64:ff9b::/96', 12], // NAT64 well-known prefix (RFC 6052)
  ['64:ff9b:1::/48', 12], // local-use NAT64 (RFC 8215)
  ['2002::/16', 2], // 6to4 (RFC 3056)
];

const compile = (list: readonly [string, SpecialRange][]) =>
  list.map(([cidr, kind]) => ({ range: parseCidr(cidr)!, kind }));
const IPV4_RANGES = compile(IPV4_SPECIAL);
const IPV6_RANGES = compile(IPV6_SPECIAL);
const EMBEDDINGS = IPV4_EMBEDDING.map(([cidr, offset]) => ({ range: parseCidr(cidr)!, offset }));
const IPV4_MAPPED = parseCidr('::ffff:0:0/96')!;

// ---------------------------------------------------------------- address parsing

/** A dotted-quad IPv4 address in its one canonical form (no octal, hex or short forms). */
function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((part) => (/^(0|[1-9][0-9]{0,2})$/.test(part) ? Number(part) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): Address | undefined {
  let head = text;
  // A zone index (fe80::1%eth0) names an interface of this host: link-local by definition.
  const zone = head.indexOf('%');
  if (zone !== -1) head = head.slice(0, zone);
  let tail: number[] = [];
  const lastColon = head.lastIndexOf(':');
  if (head.includes('.', lastColon)) {
    const v4 = parseIpv4(head.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    head = `${head.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const group = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    const value = parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  }
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

/** An IP address (IPv4 dotted quad, or IPv6, brackets allowed) as 16 bytes; else undefined. */
export function parseIpAddress(text: string): Address | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIpv4(bare);
  if (v4) return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
  return bare.includes(':') ? parseIpv6(bare) : undefined;
}

/** `a.b.c.d/n` or `ipv6/n` as a range; undefined when malformed or when host bits are set. */
function parseCidr(text: string): Range | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const addressText = text.slice(0, slash);
  const lengthText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthText)) return undefined;
  const prefix = parseIpAddress(addressText);
  if (!prefix) return undefined;
  const v4 = parseIpv4(addressText) !== undefined;
  const bits = Number(lengthText) + (v4 ? 96 : 0);
  if (bits > 128 || (v4 && Number(lengthText) > 32)) return undefined;
  const range = { prefix, bits };
  // 10.0.0.1/8 is a typo more often than a range: insist on the network address.
  return inRange(prefix, range) && isNetworkAddress(range) ? range : undefined;
}

/** Whether `text` is a CIDR the policy accepts (for configuration validation). */
export function isValidCidr(text: string): boolean {
  return parseCidr(text.trim()) !== undefined;
}

function isNetworkAddress({ prefix, bits }: Range): boolean {
  for (let bit = bits; bit < 128; bit++) {
    if (prefix[bit >> 3]! & (0x80 >> (bit & 7))) return false;
  }
  return true;
}

function inRange(address: Address, { prefix, bits }: Range): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== prefix[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[whole]! & mask) === (prefix[whole]! & mask);
}

// ---------------------------------------------------------------- the rules

/** The non-public range `address` is in, or undefined for a public (globally routable) one. */
export function specialRangeOf(address: Address): SpecialRange | undefined {
  if (inRange(address, IPV4_MAPPED)) {
    return IPV4_RANGES.find(({ range }) => inRange(address, range))?.kind;
  }
  for (const { range, offset } of EMBEDDINGS) {
    if (inRange(address, range)) {
      const v4 = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
      return specialRangeOf(Uint8Array.from([...v4, ...address.subarray(offset, offset + 4)]));
    }
  }
  return IPV6_RANGES.find(({ range }) => inRange(address, range))?.kind;
}

function allowedByOperator(address: Address, policy: OutboundPolicy): boolean {
  if (policy.allowPrivate) return true;
  return policy.allowedCidrs.some((cidr) => {
    const range = parseCidr(cidr.trim());
    return range !== undefined && inRange(address, range);
  });
}

/**
 * Why the server may not connect to `address` (an IP address as text) for a URL of `scheme`, or
 * undefined when it may. Plain http is only for a non-public address the operator allowed.
 */
export function outboundAddressProblem(
  address: string,
  scheme: 'https' | 'http',
  policy: OutboundPolicy,
): string | undefined {
  const bytes = parseIpAddress(address);
  if (!bytes) return 'is not an IP address';
  const special = specialRangeOf(bytes);
  if (special === undefined) {
    return scheme === 'http' ? 'must use https to reach a public address' : undefined;
  }
  if (allowedByOperator(bytes, policy)) return undefined;
  return `is a ${special} address, which this server does not call`;
}

/** Whether the operator allows any non-public target (only then can plain http be right). */
function allowsAnyPrivate(policy: OutboundPolicy): boolean {
  return policy.allowPrivate || policy.allowedCidrs.length > 0;
}

/**
 * Why the server may not call `uri`, judged from the URI alone (at registration and before a
 * call), or undefined when it may, subject to the address check of every resolved address.
 * An IP literal is judged by its address; `localhost` and `*.localhost` (RFC 6761) as loopback.
 */
export function outboundUrlProblem(uri: unknown, policy: OutboundPolicy): string | undefined {
  if (typeof uri !== 'string') return 'must be a non-empty string';
  const scheme = /^https:/.test(uri) ? 'https' : /^http:/.test(uri) ? 'http' : undefined;
  // The registration shape rules (no fragment, no userinfo, a valid host and port, URI
  // characters only) with the scheme left to the rules below.
  const shape = redirectUriProblem(scheme === 'http' ? `https${uri.slice(4)}` : uri, {
    allowLoopbackHttp: false,
    allowPrivateUseScheme: false,
  });
  if (shape) return shape;
  if (scheme === undefined) return 'must use https';
  if (scheme === 'http' && !allowsAnyPrivate(policy)) return 'must use https';
  // WHATWG URL normalises the host as the HTTP client will (0x7f.1 is 127.0.0.1).
  const host = new URL(uri).hostname.replace(/\.$/, '').toLowerCase();
  const literal = parseIpAddress(host) ? host : undefined;
  const names = /(^|\.)localhost$/.test(host) ? ['127.0.0.1', '::1'] : literal ? [literal] : [];
  for (const address of names) {
    const problem = outboundAddressProblem(address, scheme, policy);
    if (problem) return `host ${problem}`;
  }
  return undefined;
}
