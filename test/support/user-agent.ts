import { parseFirstForm, textContent, type HtmlForm } from './html-form';

/**
 * A browser without a browser, for the interop tests: `fetch` with manual redirects and a cookie
 * jar, which goes from the authorization URL through the login and consent pages by submitting
 * their forms (every hidden input included, as a browser would) and stops at the 303 to the
 * client's redirect URI without following it. The pages are found by the docs/architecture.md §4 contract only:
 * a form with `username` and `password` inputs, and a form with `decision` submit buttons.
 */

/** One site's cookies (the issuer's): name → value, from Set-Cookie; Max-Age=0 deletes. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  /** Every value a cookie was ever set to, deleted ones included (for the log checks). */
  readonly valuesSeen = new Set<string>();

  store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (expired) {
        this.cookies.delete(name);
      } else {
        this.cookies.set(name, value);
        if (value !== '') this.valuesSeen.add(value);
      }
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }
}

export interface UserAgentCredentials {
  username: string;
  password: string;
}

export interface AuthorizeOptions {
  /** The registered redirect URI the authorization request names: where the agent stops. */
  redirectUri: string;
  /** The consent decision (default allow). */
  decision?: 'allow' | 'deny';
}

export interface Hop {
  method: 'GET' | 'POST';
  url: string;
  status: number;
}

interface Answer {
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

const MAX_HOPS = 12;

export class HeadlessUserAgent {
  readonly cookies = new CookieJar();
  /** Every request of the last `authorize` call, for failure messages. */
  readonly hops: Hop[] = [];
  /** Pages seen during the last `authorize` call, by kind. */
  readonly pagesSeen: Array<'login' | 'consent'> = [];
  /** The HTML of the last consent page answered, for tests that read what it shows. */
  lastConsentPage?: string;

  constructor(private readonly credentials: UserAgentCredentials) {}

  /**
   * Follows the authorization request to the client's redirect URI and answers the URL the
   * server redirected to (code, state, iss or an error), which must come with a 303.
   */
  async authorize(authorizationUrl: string | URL, options: AuthorizeOptions): Promise<URL> {
    this.hops.length = 0;
    this.pagesSeen.length = 0;
    let answer = await this.request('GET', authorizationUrl.toString());
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const location = answer.headers.get('location');
      if (isRedirect(answer.status) && location) {
        const target = new URL(location, answer.url);
        if (isRedirectUri(target, options.redirectUri)) {
          if (answer.status !== 303) {
            throw new Error(`the redirect to the client came with ${answer.status}, not 303`);
          }
          return target;
        }
        answer = await this.request('GET', target.toString());
        continue;
      }
      if (answer.status !== 200 || !/^text\/html/.test(answer.headers.get('content-type') ?? '')) {
        throw this.unexpected(answer);
      }
      answer = await this.submitPage(answer, options);
    }
    throw new Error(`no redirect to the client after ${MAX_HOPS} hops: ${this.trail()}`);
  }

  private async submitPage(page: Answer, options: AuthorizeOptions): Promise<Answer> {
    const form = parseFirstForm(page.text, page.url);
    if (!form || form.method !== 'post') throw this.unexpected(page);
    const names = new Set(form.fields.map((f) => f.name));
    if (names.has('username') && names.has('password')) {
      if (this.pagesSeen.includes('login')) {
        // The login page again: the credentials were refused; say what the page said.
        const alert = /<[^>]*role="alert"[^>]*>([\s\S]*?)<\//.exec(page.text);
        throw new Error(`sign-in refused: ${alert ? textContent(alert[1]!) : 'no message'}`);
      }
      this.pagesSeen.push('login');
      return this.submit(page, form, { ...this.credentials });
    }
    const decision = options.decision ?? 'allow';
    const button = form.buttons.find((b) => b.name === 'decision' && b.value === decision);
    if (button) {
      this.pagesSeen.push('consent');
      this.lastConsentPage = page.text;
      return this.submit(page, form, { decision: button.value });
    }
    throw this.unexpected(page);
  }

  /** Posts the form's own fields (hidden ones included), with `values` overriding or adding. */
  private submit(page: Answer, form: HtmlForm, values: Record<string, string>): Promise<Answer> {
    const body = new URLSearchParams();
    for (const field of form.fields) {
      if (!(field.name in values)) body.append(field.name, field.value);
    }
    for (const [name, value] of Object.entries(values)) body.append(name, value);
    return this.request('POST', form.action, body, new URL(page.url).origin);
  }

  private async request(
    method: 'GET' | 'POST',
    url: string,
    body?: URLSearchParams,
    origin?: string,
  ): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = this.cookies.header();
    if (cookie) headers.cookie = cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (origin) headers.origin = origin;
    const res = await fetch(url, {
      method,
      headers,
      body: body?.toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    this.cookies.store(res.headers);
    this.hops.push({ method, url, status: res.status });
    return { url, status: res.status, headers: res.headers, text: await res.text() };
  }

  private unexpected(answer: Answer): Error {
    const snippet = textContent(answer.text).slice(0, 300);
    return new Error(`unexpected answer ${answer.status}: ${snippet}\n${this.trail()}`);
  }

  private trail(): string {
    return this.hops.map((h) => `${h.method} ${h.url} → ${h.status}`).join('\n');
  }
}

function isRedirect(status: number): boolean {
  return [301, 302, 303, 307, 308].includes(status);
}

/** Same scheme, host, port and path as the registered redirect URI (its query may be added to). */
function isRedirectUri(target: URL, redirectUri: string): boolean {
  const registered = new URL(redirectUri);
  return target.origin === registered.origin && target.pathname === registered.pathname;
}
