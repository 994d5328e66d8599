#!/usr/bin/env node
/**
 * A small closed-loop load driver for running Latchkeys (any mode): provisions a client and a user
 * through each one's admin API, then runs one scenario with N connections for D seconds and prints
 * per target operations/s, p50/p99 latency, errors and, when its PIDS are given, CPU ms per
 * operation and peak RSS of each listed process (`name:pid+pid` sums several, e.g. Postgres
 * backends). With several targets the time is cut into ROUNDS slices that alternate between them,
 * so that a busy machine's drift falls on both sides alike (before/after comparisons). For
 * profiling and quick checks; `npm run bench` is the side-by-side benchmark.
 *
 *   TARGETS=before=http://127.0.0.1:8080,after=http://127.0.0.1:8180 ROUNDS=6 \
 *   PIDS_before=gateway:123,token:456 PIDS_after=gateway:789,token:1011 \
 *   ADMIN_CLIENT_ID=.. ADMIN_CLIENT_SECRET=.. node scripts/perf-load.js <scenario> [connections] [seconds]
 *
 * Scenarios: jwks, discovery, client_credentials, refresh, introspection, code.
 */
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { Buffer } = require('node:buffer');
const { setInterval, clearInterval } = require('node:timers');
const { URLSearchParams } = require('node:url');

const TARGETS = (process.env.TARGETS ?? `latchkey=${process.env.BASE ?? 'http://127.0.0.1:8080'}`)
  .split(',')
  .map((t) => {
    const [name, url] = t.split('=');
    return {
      name,
      agent: newAgent(),
      base: new URL(url),
      pids: (process.env[`PIDS_${name}`] ?? process.env.PIDS ?? '')
        .split(',')
        .filter(Boolean)
        .map((p) => p.split(':')),
    };
  });
const ROUNDS = Number(process.env.ROUNDS ?? 1);

/** Keep-alive connections, renewed per slice: an idle one may have been closed by the server. */
function newAgent() {
  return new http.Agent({ keepAlive: true, maxSockets: 1024 });
}
const [scenario = 'jwks', connArg = '32', secArg = '10'] = process.argv.slice(2);
const CONNECTIONS = Number(connArg);
const SECONDS = Number(secArg);
const REDIRECT_URI = 'http://127.0.0.1:9/cb';

function request(base, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent: TARGETS.find((t) => t.base === base).agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: { ...headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const form = (o) => new URLSearchParams(o).toString();
const basic = (id, secret) =>
  'Basic ' +
  Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
const FORM = 'application/x-www-form-urlencoded';

async function json(base, method, path, token, body) {
  const res = await request(base, method, path, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text);
}

async function token(base, auth, params) {
  const res = await request(base, 'POST', '/token', {
    headers: { authorization: auth, 'content-type': FORM },
    body: form(params),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
  return JSON.parse(res.text);
}

async function provision(base) {
  const admin = await token(
    base,
    basic(process.env.ADMIN_CLIENT_ID, process.env.ADMIN_CLIENT_SECRET),
    { grant_type: 'client_credentials', scope: 'admin' },
  );
  const suffix = crypto.randomBytes(4).toString('hex');
  const service = await json(base, 'POST', '/admin/clients', admin.access_token, {
    client_name: `perf-service-${suffix}`,
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  const web = await json(base, 'POST', '/admin/clients', admin.access_token, {
    client_name: `perf-web-${suffix}`,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile offline_access',
    skip_consent: true,
  });
  const user = { username: `perf-${suffix}`, password: `perf-password-${suffix}-Aa1!` };
  await json(base, 'POST', '/admin/users', admin.access_token, { ...user, name: 'Perf User' });
  return { service, web, user };
}

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function authorizePath(web, challenge, scope) {
  return (
    '/authorize?' +
    form({
      response_type: 'code',
      client_id: web.client_id,
      redirect_uri: REDIRECT_URI,
      scope,
      state: 's' + Math.random(),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })
  );
}

/** Signs in once through the pages (login form, hidden fields kept); answers the cookie header. */
async function signIn(base, web, user) {
  const jar = new Map();
  const keep = (res) => {
    for (const line of [].concat(res.headers['set-cookie'] ?? [])) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const { challenge } = pkce();
  let res = await request(base, 'GET', authorizePath(web, challenge, 'openid'), {
    headers: { accept: 'text/html' },
  });
  keep(res);
  for (let hop = 0; hop < 8; hop++) {
    if (res.status >= 300 && res.status < 400) {
      const loc = new URL(res.headers.location, base);
      if (loc.origin !== base.origin) return cookie();
      res = await request(base, 'GET', loc.pathname + loc.search, {
        headers: { accept: 'text/html', cookie: cookie() },
      });
      keep(res);
      continue;
    }
    const formHtml = /<form[\s\S]*?<\/form>/i.exec(res.text)?.[0];
    if (!formHtml)
      throw new Error(`sign-in: unexpected page ${res.status} ${res.text.slice(0, 200)}`);
    const action = new URL(/action="([^"]*)"/.exec(formHtml)[1].replace(/&amp;/g, '&'), base);
    const fields = new URLSearchParams();
    for (const m of formHtml.matchAll(/<input[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(m[0])?.[1];
      const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
      if (name && name !== 'username' && name !== 'password')
        fields.append(name, value.replace(/&amp;/g, '&'));
    }
    if (/name="password"/.test(formHtml)) {
      fields.append('username', user.username);
      fields.append('password', user.password);
    } else fields.append('decision', 'allow');
    res = await request(base, 'POST', action.pathname + action.search, {
      headers: { accept: 'text/html', cookie: cookie(), 'content-type': FORM, origin: base.origin },
      body: fields.toString(),
    });
    keep(res);
  }
  throw new Error('sign-in: too many hops');
}

/** One authorization code (SSO session cookie, PKCE) redeemed at /token. */
async function codeFlow(base, web, cookie, scope) {
  const { verifier, challenge } = pkce();
  const res = await request(base, 'GET', authorizePath(web, challenge, scope), {
    headers: { cookie },
  });
  if (res.status !== 303) throw new Error(`authorize: ${res.status} ${res.text.slice(0, 200)}`);
  const code = new URL(res.headers.location).searchParams.get('code');
  if (!code) throw new Error(`authorize: ${res.headers.location}`);
  return token(base, basic(web.client_id, web.client_secret), {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
  });
}

function cpuOf(pidSpec) {
  const all = pidSpec.split('+').map(cpuOfOne);
  return { cpuMs: all.reduce((a, b) => a + b.cpuMs, 0), rss: all.reduce((a, b) => a + b.rss, 0) };
}

function cpuOfOne(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
    return { cpuMs: ((Number(stat[11]) + Number(stat[12])) * 1000) / 100, rss };
  } catch {
    return { cpuMs: NaN, rss: NaN };
  }
}

/** The scenario's operation against one target, provisioned there: (worker index) => Promise. */
async function prepare(base) {
  const { service, web, user } = await provision(base);
  if (scenario === 'jwks' || scenario === 'discovery') {
    const path =
      scenario === 'jwks' ? '/.well-known/jwks.json' : '/.well-known/openid-configuration';
    return async () => {
      const r = await request(base, 'GET', path);
      if (r.status !== 200) throw new Error(String(r.status));
    };
  }
  if (scenario === 'client_credentials') {
    const auth = basic(service.client_id, service.client_secret);
    return () => token(base, auth, { grant_type: 'client_credentials' });
  }
  if (scenario === 'introspection') {
    const auth = basic(service.client_id, service.client_secret);
    const { access_token } = await token(base, auth, { grant_type: 'client_credentials' });
    const body = form({ token: access_token });
    return async () => {
      const r = await request(base, 'POST', '/introspect', {
        headers: { authorization: auth, 'content-type': FORM },
        body,
      });
      if (r.status !== 200 || !r.text.includes('"active":true'))
        throw new Error(`${r.status} ${r.text}`);
    };
  }
  if (scenario === 'refresh' || scenario === 'code') {
    const cookie = await signIn(base, web, user);
    if (scenario === 'code') return () => codeFlow(base, web, cookie, 'openid');
    const auth = basic(web.client_id, web.client_secret);
    const chains = [];
    for (let i = 0; i < CONNECTIONS; i++)
      chains.push((await codeFlow(base, web, cookie, 'openid offline_access')).refresh_token);
    return async (worker) => {
      const t = await token(base, auth, {
        grant_type: 'refresh_token',
        refresh_token: chains[worker],
      });
      chains[worker] = t.refresh_token;
    };
  }
  throw new Error(`unknown scenario ${scenario}`);
}

/** Runs `op` with CONNECTIONS workers for `ms`; answers latencies, errors and CPU used per process. */
async function slice(target, op, ms) {
  target.agent.destroy();
  target.agent = newAgent();
  const before = target.pids.map(([, pid]) => cpuOf(pid));
  const latencies = [];
  let errors = 0;
  const end = Date.now() + ms;
  const rssTimer = setInterval(
    () =>
      target.pids.forEach(
        ([, pid], i) => (target.peakRss[i] = Math.max(target.peakRss[i], cpuOf(pid).rss)),
      ),
    500,
  );
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, w) => {
      while (Date.now() < end) {
        const start = process.hrtime.bigint();
        try {
          await op(w);
          latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        } catch (err) {
          errors++;
          target.firstError ??= err;
        }
      }
    }),
  );
  clearInterval(rssTimer);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = target.pids.map(([, pid]) => cpuOf(pid));
  return { latencies, errors, elapsed, cpuMs: after.map((a, i) => a.cpuMs - before[i].cpuMs) };
}

async function main() {
  for (const target of TARGETS) {
    target.op = await prepare(target.base);
    target.peakRss = target.pids.map(() => 0);
    target.latencies = [];
    target.errors = 0;
    target.elapsed = 0;
    target.cpuMs = target.pids.map(() => 0);
  }
  // Warm up each target, then alternate slices between them.
  for (const target of TARGETS) await slice(target, target.op, 2000);
  for (const target of TARGETS) {
    // PGDB_<name>: count the Postgres backends serving that database too (pools grow in warm-up).
    const db = process.env[`PGDB_${target.name}`];
    if (!db) continue;
    const pids = require('node:child_process')
      .execFileSync('psql', [
        '-h',
        '127.0.0.1',
        '-U',
        'postgres',
        '-Atc',
        `SELECT pid FROM pg_stat_activity WHERE datname = '${db}'`,
      ])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean);
    target.pids.push(['postgres', pids.join('+')]);
    target.peakRss.push(0);
    target.cpuMs.push(0);
  }
  const sliceMs = (SECONDS * 1000) / ROUNDS;
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of round % 2 ? [...TARGETS].reverse() : TARGETS) {
      const r = await slice(target, target.op, sliceMs);
      target.latencies.push(...r.latencies);
      target.errors += r.errors;
      target.elapsed += r.elapsed;
      r.cpuMs.forEach((ms, i) => (target.cpuMs[i] += ms));
    }
  }
  for (const target of TARGETS) {
    const latencies = target.latencies.sort((a, b) => a - b);
    const pct = (p) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(
        1,
      );
    const ops = latencies.length;
    console.log(
      JSON.stringify({
        target: target.name,
        scenario,
        connections: CONNECTIONS,
        seconds: +target.elapsed.toFixed(1),
        ops,
        opsPerSec: Math.round(ops / target.elapsed),
        p50: pct(50),
        p99: pct(99),
        errors: target.errors,
        cpuMsPerOp: Object.fromEntries(
          target.pids.map(([name], i) => [name, +(target.cpuMs[i] / Math.max(ops, 1)).toFixed(3)]),
        ),
        peakRssMb: Object.fromEntries(
          target.pids.map(([name], i) => [name, Math.round(target.peakRss[i])]),
        ),
      }),
    );
    if (target.firstError) console.error(`${target.name} first error:`, target.firstError.message);
  }
  for (const target of TARGETS) target.agent.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
