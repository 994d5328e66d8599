import type { Response } from 'express';
import { contrastRatio, DARK_TEXT, LIGHT_TEXT, parseHexColor, textColorOn } from './brand-colors';
import { consentPage } from './consent.page';
import { errorPage } from './error.page';
import { escapeHtml, html, SafeHtml } from './html';
import { loggedOutPage } from './logged-out.page';
import { loginPage } from './login.page';
import { formActionSourceFor, pageHeaders } from './page-headers';
import { PageRenderer } from './page.renderer';
import { buildStylesheet } from './stylesheet';

const ISSUER = 'https://id.example.test';
const EVIL = `<script>alert("x")</script>' onmouseover='x`;

/** Markup with whitespace runs collapsed and void elements unclosed, as a reader compares it. */
const squash = (markup: string) =>
  markup.replace(/\s+/g, ' ').replace(/ ?\/>/g, '>').replace(/> </g, '><');

describe('html templates', () => {
  it('escapes every interpolated value, attributes included', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    const rendered = html`<p title="${EVIL}">${EVIL}</p>`.value;
    expect(rendered).not.toContain('<script>');
    expect(rendered).not.toContain(`' onmouseover`);
    expect(rendered).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;x">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;x</p>',
    );
  });

  it('keeps nested templates, joins lists, drops null, undefined and false', () => {
    const items = ['<a>', 'b'].map((i) => html`<li>${i}</li>`);
    // prettier-ignore
    const list = html`<ul>${items}</ul>${null}${undefined}${false}${0}`;
    expect(list.value).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>0');
    expect(html`${new SafeHtml('<b>ok</b>')}`.value).toBe('<b>ok</b>');
  });
});

describe('pages', () => {
  const renderer = new PageRenderer(ISSUER, {
    name: 'Acme <Login>',
    color: '#1a56db',
    logoUrl: '/static/logo.svg',
  });

  it('login: labelled username and password inputs, hidden interaction and csrf, inert client name', () => {
    const page = loginPage({
      action: `${ISSUER}/login`,
      interactionId: 'int-1',
      csrf: 'csrf-1',
      clientName: EVIL,
      username: `"><img src=x>`,
    });
    const document = squash(renderer.render(page));
    expect(document).toMatch(/^<!doctype html><html lang="en">/);
    expect(document).toContain('<label for="username">Username</label>');
    expect(document).toContain('<input type="text" id="username" name="username"');
    expect(document).toContain('<label for="password">Password</label>');
    expect(document).toContain('<input type="password" id="password" name="password"');
    expect(document).toContain('<input type="hidden" name="interaction" value="int-1">');
    expect(document).toContain('<input type="hidden" name="csrf" value="csrf-1">');
    expect(document).toContain(`<form method="post" action="${ISSUER}/login">`);
    expect(document).not.toContain('<script>');
    expect(document).not.toContain('<img src=x>');
    expect(document).toContain('value="&quot;&gt;&lt;img src=x&gt;"');
    // The brand: escaped name, the logo, the stylesheet by absolute URL.
    expect(document).toContain('<span>Acme &lt;Login&gt;</span>');
    expect(document).toContain('<img src="/static/logo.svg" alt="">');
    expect(document).toContain(
      `<link rel="stylesheet" href="${ISSUER}/assets/${renderer.stylesheet.fileName}">`,
    );
  });

  it('login: focus starts on the username, or the password when the username is known', () => {
    const model = { action: 'a', interactionId: 'i', csrf: 'c', clientName: 'App' };
    expect(squash(loginPage(model).body.value)).toMatch(/name="username"[^>]* autofocus/);
    const prefilled = squash(loginPage({ ...model, username: 'alice' }).body.value);
    expect(prefilled).toMatch(/name="password"[^>]* autofocus/);
    expect(prefilled).not.toMatch(/name="username"[^>]* autofocus/);
  });

  it('login: a failure message is announced and tied to the inputs', () => {
    const page = loginPage({
      action: 'a',
      interactionId: 'i',
      csrf: 'c',
      clientName: 'App',
      error: 'The username or password is not correct.',
      status: 400,
    });
    expect(page.status).toBe(400);
    const body = squash(page.body.value);
    expect(body).toContain('<p class="alert" role="alert" id="login-error">');
    expect(body).toMatch(/name="password"[^>]*aria-describedby="login-error"/);
  });

  it('consent: each scope described, allow and deny buttons in the form with the hidden fields', () => {
    const body = squash(
      consentPage({
        action: `${ISSUER}/consent`,
        interactionId: 'int-1',
        csrf: 'csrf-1',
        clientName: EVIL,
        username: 'alice<b>',
        groups: [
          { scopes: [{ scope: 'openid', description: 'Sign you in <now>' }] },
          { api: 'Orders <API>', scopes: [{ scope: 'orders:read', description: 'See orders' }] },
        ],
      }).body.value,
    );
    const form = /<form[\s\S]*<\/form>/.exec(body)![0];
    expect(form).toContain('<button type="submit" name="decision" value="allow" class="primary">');
    expect(form).toContain('<button type="submit" name="decision" value="deny" class="secondary">');
    expect(form).toContain('<input type="hidden" name="interaction" value="int-1">');
    expect(form).toContain('<input type="hidden" name="csrf" value="csrf-1">');
    expect(body).toContain('Sign you in &lt;now&gt;<span class="scope-id">openid</span>');
    expect(body).toContain('<h2 class="api">Orders &lt;API&gt;</h2>');
    expect(body).toContain('See orders<span class="scope-id">orders:read</span>');
    expect(body).toContain('alice&lt;b&gt;');
    expect(body).not.toContain('<script>');
  });

  it('error: the code, the description and the request id, escaped', () => {
    const page = errorPage({
      status: 400,
      error: 'invalid_request',
      description: 'client_id <b>is</b> unknown',
      requestId: 'req-1',
    });
    expect(page.status).toBe(400);
    const body = squash(page.body.value);
    expect(body).toContain('<code>invalid_request</code>');
    expect(body).toContain('Client_id &lt;b&gt;is&lt;/b&gt; unknown.');
    expect(body).toContain('<code>req-1</code>');
    expect(errorPage({ status: 429, error: 'temporarily_unavailable' }).title).toBe(
      'Too many attempts',
    );
    expect(loggedOutPage().title).toBe('Signed out');
  });

  it('sends a page with its status and every security header', () => {
    const headers: Record<string, string> = {};
    let status = 0;
    let sent = '';
    const res = {
      setHeader: (name: string, value: string) => void (headers[name] = value),
      status(code: number) {
        status = code;
        return this;
      },
      send(body: string) {
        sent = body;
        return this;
      },
    } as unknown as Response;
    renderer.send(res, {
      ...errorPage({
        status: 429,
        error: 'temporarily_unavailable',
        headers: { 'Retry-After': '60' },
      }),
    });
    expect(status).toBe(429);
    expect(sent).toContain('<h1>Too many attempts</h1>');
    expect(headers).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'Retry-After': '60',
    });
  });
});

describe('page headers', () => {
  it('allow nothing but our stylesheet, images, and forms to us and the client', () => {
    expect(pageHeaders(['https://app.example.test'])['Content-Security-Policy']).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self' data:; " +
        "form-action 'self' https://app.example.test; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(pageHeaders()['Content-Security-Policy']).toContain("form-action 'self';");
  });

  it('names the origin of an https redirect URI, the scheme of a private-use one', () => {
    expect(formActionSourceFor('https://app.example.test:8443/cb?x=1')).toBe(
      'https://app.example.test:8443',
    );
    expect(formActionSourceFor('http://127.0.0.1:5000/cb')).toBe('http://127.0.0.1:5000');
    expect(formActionSourceFor('com.example.app:/callback')).toBe('com.example.app:');
    expect(formActionSourceFor('not a uri')).toBeUndefined();
  });
});

describe('brand colours', () => {
  it('computes WCAG contrast', () => {
    expect(parseHexColor('#0a7')).toEqual([0, 170, 119]);
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it.each(['#1a56db', '#ffcc00', '#777777', '#0a7', '#ffffff', '#000000', '#e11d48'])(
    'puts text of at least 4.5:1 on %s',
    (color) => {
      expect(contrastRatio(color, textColorOn(color))).toBeGreaterThanOrEqual(4.5);
    },
  );

  it('uses white on dark brands and near-black on light ones', () => {
    expect(textColorOn('#1a56db')).toBe(LIGHT_TEXT);
    expect(textColorOn('#ffcc00')).toBe(DARK_TEXT);
  });

  it('bakes the colour into a stylesheet whose name changes with it', () => {
    const blue = buildStylesheet('#1a56db');
    const yellow = buildStylesheet('#ffcc00');
    expect(blue.css).toContain('--brand:#1a56db;--on-brand:#ffffff');
    expect(yellow.css).toContain('--on-brand:#000000');
    expect(blue.fileName).toMatch(/^latchkey\.[0-9a-f]{16}\.css$/);
    expect(blue.fileName).not.toBe(yellow.fileName);
    expect(blue.css).toContain(':focus-visible{outline:3px solid #111');
  });
});
