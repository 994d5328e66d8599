/**
 * Redirect URI rules: what may be registered (RFC 7591 §2, RFC 8252 §7, RFC 9700 §4.1) and how a
 * requested redirect_uri is matched against the registered ones (RFC 6749 §3.1.2, RFC 8252 §7.3).
 *
 * Registered values are stored verbatim and matched as exact strings, so nothing here normalises
 * a URI: normalising invites the parser differentials that open redirectors live on.
 * Error descriptions never echo the submitted URI: RFC 6749 limits error_description to a charset
 * that a URI can break out of.
 */
import { InvalidGrant, InvalidRedirectUri, InvalidRequest } from './errors/oauth-error';

/** OIDC Dynamic Client Registration §2 `application_type`; `web` is the default there. */
export type ApplicationType = 'web' | 'native';

export interface RedirectUriRules {
  /** Plain `http` to a loopback host (RFC 8252 §7.3, §8.3), e.g. a developer's machine. */
  allowLoopbackHttp: boolean;
  /** Private-use schemes such as `com.example.app:/cb` (RFC 8252 §7.1), native apps only. */
  allowPrivateUseScheme: boolean;
  /** Say in the error that application_type native would allow a private-use scheme. */
  hintNativeApplicationType?: boolean;
}

/** Longer than any real callback; keeps stored client records and error pages bounded. */
export const MAX_URI_LENGTH = 2000;

/** Hosts for which plain http is acceptable: traffic never leaves the device. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Schemes that execute, embed or read local content. The reverse-domain rule already rejects
 * them; listing them keeps the intent obvious and survives a change to that rule.
 */
const DANGEROUS_SCHEMES: ReadonlySet<string> = new Set([
  'javascript',
  'vbscript',
  'data',
  'file',
  'blob',
  'about',
  'filesystem',
  'view-source',
  'ftp',
  'ws',
  'wss',
]);

/** RFC 3986 characters (unreserved, reserved, `%`); rules out spaces, `\`, quotes and non-ASCII. */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const BROKEN_PERCENT_ENCODING = /%(?![0-9A-Fa-f]{2})/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** RFC 8252 §7.1: a reverse domain name the app controls, so it contains at least one dot. */
const REVERSE_DOMAIN_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$/;
/** host [ ":" port ] with the host either an IP literal in brackets or a name without colons. */
const HOST_AND_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(.*))?$/;
const PORT = /^[1-9][0-9]{0,4}$/;
const DOT_SEGMENT = /^(\.|%2e){1,2}$/i;

/**
 * Why `uri` may not be registered under `rules`, or undefined when it may.
 * Shared by redirect_uris, post_logout_redirect_uris and other URI-valued client metadata.
 */
export function redirectUriProblem(uri: unknown, rules: RedirectUriRules): string | undefined {
  if (typeof uri !== 'string' || uri === '') return 'must be a non-empty string';
  if (uri.length > MAX_URI_LENGTH) return `must be at most ${MAX_URI_LENGTH} characters`;
  if (!URI_CHARACTERS.test(uri)) {
    return 'must contain only URI characters (no spaces, backslashes, quotes or non-ASCII)';
  }
  if (BROKEN_PERCENT_ENCODING.test(uri)) return 'contains a malformed percent-encoding';
  // RFC 6749 §3.1.2: the endpoint URI MUST NOT include a fragment component.
  if (uri.includes('#')) return 'must not contain a fragment';
  const rawScheme = SCHEME.exec(uri)?.[1];
  if (rawScheme === undefined) return 'must be an absolute URI';
  const scheme = rawScheme.toLowerCase();
  if (DANGEROUS_SCHEMES.has(scheme)) return `must not use the ${scheme} scheme`;
  // Matching is exact, so a canonical (RFC 3986 §3.1) scheme spares clients a case mismatch.
  if (rawScheme !== scheme) return 'must use a lower-case scheme';
  if (!canParse(uri)) return 'is not a valid URI';

  if (scheme === 'https' || scheme === 'http') {
    const hierarchical = /^https?:\/\/([^/?]*)([^?]*)/i.exec(uri);
    if (!hierarchical) return 'must have the form scheme://host/path';
    const [, authority = '', path = ''] = hierarchical;
    const authorityProblem = hostAuthorityProblem(authority);
    if (authorityProblem) return authorityProblem;
    if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
      // The browser resolves `.` and `..`, so the URI would not lead where it reads.
      return 'must not contain . or .. path segments';
    }
    if (scheme === 'http') {
      const host = HOST_AND_PORT.exec(authority)?.[1];
      if (!rules.allowLoopbackHttp || host === undefined || !LOOPBACK_HOSTS.has(host)) {
        return rules.allowLoopbackHttp
          ? 'must use https; plain http is only allowed for 127.0.0.1, [::1] and localhost'
          : 'must use https';
      }
    }
    return undefined;
  }

  if (!rules.allowPrivateUseScheme) {
    return rules.hintNativeApplicationType
      ? 'must use https (private-use URI schemes are only allowed for native applications)'
      : 'must use https';
  }
  if (!REVERSE_DOMAIN_SCHEME.test(scheme)) {
    return 'must use a private-use scheme in reverse domain name form, e.g. com.example.app:/callback';
  }
  if (uri.length === scheme.length + 1) return 'must have a path after the scheme';
  if (uri.startsWith('//', scheme.length + 1)) {
    const authority = /^[^/?]*/.exec(uri.slice(scheme.length + 3))?.[0] ?? '';
    if (authority.includes('@')) return 'must not contain userinfo';
  }
  return undefined;
}

/** Authority rules for http(s): no userinfo, a host, and a real port if one is given. */
function hostAuthorityProblem(authority: string): string | undefined {
  // `https://good.example@evil.example` goes to evil.example while reading as good.example.
  if (authority.includes('@')) return 'must not contain userinfo';
  const match = HOST_AND_PORT.exec(authority);
  if (!match) return 'must have a valid host';
  const port = match[2];
  if (port !== undefined && !isValidPort(port)) return 'must have a port between 1 and 65535';
  return undefined;
}

function isValidPort(port: string): boolean {
  return PORT.test(port) && Number(port) <= 65535;
}

function canParse(uri: string): boolean {
  try {
    new URL(uri);
    return true;
  } catch {
    return false;
  }
}

/** The rules for one application type: private-use schemes are for native apps only. */
export function redirectUriRulesFor(applicationType: ApplicationType = 'web'): RedirectUriRules {
  const native = applicationType === 'native';
  return {
    allowLoopbackHttp: true,
    allowPrivateUseScheme: native,
    hintNativeApplicationType: !native,
  };
}

/**
 * Registration-time check of one redirect URI (RFC 7591 §2, RFC 8252 §7): an absolute URI without
 * fragment or userinfo; https, or http to a loopback host, or (native apps only) a reverse-domain
 * private-use scheme. Returns the URI unchanged, as it must be stored for exact matching.
 */
export function validateRedirectUriForRegistration(
  uri: string,
  options: { applicationType?: ApplicationType } = {},
): string {
  const problem = redirectUriProblem(uri, redirectUriRulesFor(options.applicationType));
  if (problem) throw new InvalidRedirectUri(`redirect_uri ${problem}`);
  return uri;
}

/**
 * `http://127.0.0.1[:port]<rest>` or `http://[::1][:port]<rest>` split into host and rest.
 * The character after the host must be `:`, `/`, `?` or the end, so `127.0.0.1.evil.example`
 * and `127.0.0.1:80@evil.example` do not qualify.
 */
const LOOPBACK_IP_URI = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::([0-9]*))?([/?][\s\S]*)?$/;

function splitLoopbackIpUri(uri: string): { host: string; rest: string } | undefined {
  const match = LOOPBACK_IP_URI.exec(uri);
  if (!match) return undefined;
  // Optional groups are undefined at runtime when they did not take part in the match.
  const host = match[1] ?? '';
  const port: string | undefined = match[2];
  const rest = match[3] ?? '';
  if (port !== undefined && !isValidPort(port)) return undefined;
  return { host, rest };
}

/**
 * RFC 8252 §7.3: a native app listening on a loopback IP literal gets an ephemeral port from the
 * OS, so the port may differ from the registered one; scheme, host, path and query may not.
 *
 * `localhost` gets no such relaxation: RFC 8252 §8.3 recommends IP literals because `localhost`
 * can resolve to a non-loopback address or be answered by another interface, so a `localhost`
 * URI must match exactly like any other.
 */
export function loopbackRedirectUriMatches(requested: string, registered: string): boolean {
  const want = splitLoopbackIpUri(requested);
  const have = splitLoopbackIpUri(registered);
  return !!want && !!have && want.host === have.host && want.rest === have.rest;
}

/**
 * RFC 6749 §3.1.2.3 with RFC 9700 §2.1: exact string comparison (no case folding, no decoding,
 * no trailing-slash leniency), except for the loopback port rule above.
 */
export function matchRedirectUri(requested: string, registered: readonly string[]): boolean {
  if (typeof requested !== 'string' || requested === '') return false;
  return registered.some(
    (candidate) => candidate === requested || loopbackRedirectUriMatches(requested, candidate),
  );
}

/**
 * The redirect URI for an authorization request (RFC 6749 §3.1.2.3): the requested one if it
 * matches, else the only registered one when the parameter was omitted. (OIDC Core §3.1.2.1 makes
 * the parameter mandatory for `openid` requests; that check belongs to the caller.) Errors here must
 * be shown to the user, never redirected: the URI is not proven.
 */
export function resolveRedirectUri(
  requested: string | undefined,
  registered: readonly string[],
): string {
  if (requested === undefined || requested === '') {
    if (registered.length === 1) return registered[0];
    throw new InvalidRequest(
      registered.length === 0
        ? 'redirect_uri is required; the client has no registered redirect URIs'
        : 'redirect_uri is required when a client has several registered redirect URIs',
    );
  }
  if (!matchRedirectUri(requested, registered)) {
    throw new InvalidRedirectUri("redirect_uri does not match any of the client's registered ones");
  }
  return requested;
}

export interface CodeRedirectUriBinding {
  /** The redirect_uri the code was issued for. */
  redirectUri: string;
  /** Whether the authorization request carried redirect_uri explicitly. */
  explicit: boolean;
}

/**
 * Token endpoint (RFC 6749 §4.1.3): redirect_uri is required when the authorization request had it
 * and must be identical to the one the code was issued for.
 */
export function verifyRedirectUriForCode(
  requested: string | undefined,
  bound: CodeRedirectUriBinding,
): void {
  if (requested === undefined || requested === '') {
    if (bound.explicit) {
      throw new InvalidRequest(
        'redirect_uri is required because the authorization request had one',
      );
    }
    return;
  }
  if (requested !== bound.redirectUri) {
    throw new InvalidGrant('redirect_uri does not match the one used in the authorization request');
  }
}
