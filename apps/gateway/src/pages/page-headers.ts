/**
 * Response headers of every HTML page. The CSP allows the page's own stylesheet and images (and
 * data: images, for a logo), nothing else: no script at all, no framing (clickjacking of the
 * consent buttons), no <base> rewriting. Forms may post to this origin and, because Chromium
 * checks form-action on the redirects that follow a submission too, to the origin the flow will
 * 303 to: the client's redirect URI.
 */
export function pageHeaders(formActionSources: readonly string[] = []): Record<string, string> {
  const formAction = ["'self'", ...new Set(formActionSources)].join(' ');
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self' data:",
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  };
}

/** RFC 3986 scheme-source or origin of a redirect URI, as a CSP source expression. */
export function formActionSourceFor(redirectUri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  // A private-use scheme (com.example.app:/cb) has no origin; CSP matches it by scheme.
  return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : undefined;
}
