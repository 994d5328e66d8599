#!/usr/bin/env node
/**
 * docs/performance.md and docs/performance.svg from a bench result (bench/results/latest.json),
 * so the page always shows the latest full run. Run by `npm run bench`; alone:
 * `node bench/report.mjs [results.json]`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const ROOT = path.resolve(import.meta.dirname, '..');
const PEER = 'oidc-provider';
const COLORS = { latchkey: '#1a56db', [PEER]: '#9ca3af' };

/** The issue's targets, each checked against the run (docs/performance.md, "Targets"). */
function targets(report) {
  const all = report.scenarios;
  const find = (id) => all.find((s) => s.id === id);
  const list = (items) => items.join('; ') || 'none';
  const results = [];

  const behind = all.filter((s) => s.ratio === null || s.ratio < 1 || s.latchkey.errors > 0);
  results.push({
    target: 'Ratio Latchkey / node-oidc-provider ≥ 1.0 in every scenario, with zero errors',
    met: behind.length === 0,
    measured: `below 1.0 or with errors: ${list(
      behind.map(
        (s) =>
          `${s.id} ${fmtRatio(s.ratio)}${s.latchkey.errors ? ` (${s.latchkey.errors} errors)` : ''}`,
      ),
    )}`,
  });

  const token32 = all.filter((s) => s.tokenScenario && s.connections === 32);
  const slow = token32.filter(
    (s) => typeof s.latchkey.latencyMs.p99 !== 'number' || s.latchkey.latencyMs.p99 > 50,
  );
  results.push({
    target: 'p99 ≤ 50 ms at 32 connections in every token scenario',
    met: token32.length > 0 && slow.length === 0,
    measured: list(token32.map((s) => `${s.id} ${s.latchkey.latencyMs.p99} ms`)),
  });

  const introspection = find('introspection');
  results.push({
    target: 'Introspection ≥ 2× node-oidc-provider',
    met: Boolean(introspection) && introspection.ratio !== null && introspection.ratio >= 2,
    measured: introspection ? `${fmtRatio(introspection.ratio)}×` : 'not run',
  });

  const wellKnown = ['jwks', 'discovery'].map(find).filter(Boolean);
  results.push({
    target: 'JWKS and discovery ≥ 1.0×',
    met: wellKnown.length === 2 && wellKnown.every((s) => s.ratio !== null && s.ratio >= 1),
    measured: list(wellKnown.map((s) => `${s.id} ${fmtRatio(s.ratio)}×`)),
  });

  const peaks = peakRssByService(report);
  results.push({
    target: 'RSS ≤ 200 MB per service under load',
    met: Object.values(peaks).every((peak) => peak <= 200),
    measured: list(
      Object.entries(peaks).map(
        ([name, peak]) =>
          `${name} ${peak} MB${name === 'gateway' ? ` (${gatewayTokenPeak(report)} MB outside the password logins)` : ''}`,
      ),
    ),
  });
  return results;
}

/** Each Latchkey service's highest peak RSS over the scenarios (MB). */
function peakRssByService(report) {
  const peaks = {};
  for (const s of report.scenarios) {
    for (const [name, mb] of Object.entries(s.peakRssMb ?? {})) {
      if (name !== PEER) peaks[name] = Math.max(peaks[name] ?? 0, mb);
    }
  }
  return peaks;
}

/** The gateway's peak without the login scenario, whose argon2 hashes hold 19 MiB each. */
function gatewayTokenPeak(report) {
  const peaks = report.scenarios
    .filter((s) => s.id !== 'password_login')
    .map((s) => s.peakRssMb?.gateway ?? 0);
  return Math.max(0, ...peaks);
}

export async function writeReport(report) {
  mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
  writeFileSync(path.join(ROOT, 'docs', 'performance.svg'), chart(report));
  const file = path.join(ROOT, 'docs', 'performance.md');
  writeFileSync(file, await formatted(file, markdown(report)));
}

/** `text` as the project's Prettier configuration formats `file` (so format:check passes). */
export async function formatted(file, text) {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

function markdown(report) {
  const { settings, machine } = report;
  const rows = report.scenarios.map((s) => {
    const l = s.latchkey;
    const p = s[PEER];
    // The peer cannot introspect its JWT access tokens (see Method): say so where the figure is.
    const title =
      s.id === 'introspection' ? `${s.title} (peer: opaque tokens, see Method)` : s.title;
    return `| ${title} | ${s.connections} | ${fmt(p.opsPerSecond)} | ${fmt(l.opsPerSecond)} | ${fmtRatio(s.ratio)} | ${ms(l.latencyMs.p50)} / ${ms(l.latencyMs.p99)} | ${ms(p.latencyMs.p50)} / ${ms(p.latencyMs.p99)} | ${l.errors} / ${p.errors} | ${l.cpuSeconds} / ${p.cpuSeconds} | ${ms(l.cpuMsPerOperation)} / ${ms(p.cpuMsPerOperation)} |`;
  });
  const groups = [
    ...new Set(report.scenarios.flatMap((s) => Object.keys(s.latchkey.cpuSecondsByProcess))),
  ];
  const cpuRows = report.scenarios.map((s) => {
    const ops = s.latchkey.operations;
    const cells = groups.map((g) =>
      ops ? (((s.latchkey.cpuSecondsByProcess[g] ?? 0) * 1000) / ops).toFixed(3) : '–',
    );
    return `| ${s.id} | ${cells.join(' | ')} | ${ms(s.latchkey.cpuMsPerOperation)} | ${ms(s[PEER].cpuMsPerOperation)} |`;
  });
  const noise = report.scenarios.map((s) => {
    const seconds = settings.rounds * settings.roundSeconds;
    const other = (side) =>
      Math.max(0, s[side].machineBusyCpuSeconds - s[side].cpuSeconds) / seconds;
    const catchUp = (s.latchkey.roundsAuditCatchUpMs ?? []).join(', ') || '–';
    return `| ${s.id} | ${s.latchkey.roundsOpsPerSecond.join(', ')} | ${catchUp} | ${s[PEER].roundsOpsPerSecond.join(', ')} | ${other('latchkey').toFixed(2)} / ${other(PEER).toFixed(2)} |`;
  });
  const errors = report.scenarios.flatMap((s) =>
    ['latchkey', PEER].flatMap((side) =>
      s[side].errorSamples.map(
        (e) => `- ${s.id}, ${side}: \`${e.replace(/\s+/g, ' ').slice(0, 200)}\``,
      ),
    ),
  );
  const checks = targets(report);
  return `# Performance

Latchkey in distributed mode (four service processes, NATS with JetStream, Redis, Postgres) against
node-oidc-provider ${machine.oidcProvider} in one process, side by side on the same machine, measured by
\`npm run bench\`. This page is generated from \`bench/results/latest.json\` by \`bench/report.mjs\` at the
end of every full run: do not edit it by hand.

Run of ${report.startedAt} (${report.durationSeconds} s in all): ${machine.cpus} CPUs (${machine.cpuModel}),
${machine.memoryGb} GB, Node ${machine.node}; ${settings.rounds} rounds of ${settings.roundSeconds} s per scenario and
side after a ${settings.warmupSeconds} s warm-up; Latchkey at \`LOG_LEVEL=${settings.latchkeyLogLevel}\`.
This machine's RS256 signing limit in the same run: **${fmt(report.rs256SigningPerSecond)} signatures/s on
one core** (${report.rs256SignMs} ms each; \`node:crypto\`, 2048-bit key).

## Results

Operations per second are the median of the rounds; a Latchkey round lasts until its audit trail
has caught up (every event of the round relayed and stored in the hash-chained log), so work it
would otherwise leave for later counts against it. Latencies are over every measured iteration of
all rounds; CPU s is the CPU time the side used during its measured rounds, and CPU ms per
operation that time divided by the operations it completed (Latchkey: its four services, its nats-server, the Redis server and the
Postgres processes; the peer: its one process). Errors are iterations that did not get the answer
they needed.

| scenario | conn | node-oidc-provider /s | Latchkey /s | ratio | Latchkey p50 / p99 ms | peer p50 / p99 ms | errors Latchkey / peer | CPU s Latchkey / peer | CPU ms/op Latchkey / peer |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

![Throughput and p99 latency per scenario](performance.svg)

### Where Latchkey's CPU goes (ms per operation)

| scenario | ${groups.join(' | ')} | Latchkey total | peer total |
|${'---|'.repeat(groups.length + 3)}
${cpuRows.join('\n')}

### Memory

Peak RSS (VmHWM, MB) of each Node process during each scenario${
    report.scenarios.some((s) => s.peakRssSinceStart)
      ? ' (where marked *, the kernel refused to reset the peak and the figure is since start)'
      : ''
  }. The reset sets the mark to the RSS of that moment, so memory a process kept from an earlier
scenario counts in the later ones too:

| scenario | ${memoryColumns(report).join(' | ')} |
|${'---|'.repeat(memoryColumns(report).length + 1)}
${report.scenarios
  .map(
    (s) =>
      `| ${s.id}${s.peakRssSinceStart ? ' *' : ''} | ${memoryColumns(report)
        .map((name) => s.peakRssMb?.[name] ?? '–')
        .join(' | ')} |`,
  )
  .join('\n')}

### Rounds and other load on the machine

Operations per second of each round, how long after each Latchkey round its audit trail caught up
(ms, counted in the round), and the CPU cores busy with other work during the rounds (the machine's
busy time minus the measured side's, per second of measurement; the load driver is part of it).
The machine is shared: figures move with what else runs on it.

| scenario | Latchkey rounds /s | Latchkey audit caught up after, ms | peer rounds /s | other load, cores (Latchkey / peer rounds) |
|---|---|---|---|---|
${noise.join('\n')}
${errors.length ? `\n### Errors seen (first distinct messages)\n\n${errors.join('\n')}\n` : ''}
## Targets

| target | met | measured |
|---|---|---|
${checks.map((c) => `| ${c.target} | ${c.met ? 'met' : '**not met**'} | ${c.measured} |`).join('\n')}

## Method

- **Latchkey**: built if needed (\`scripts/ensure-built.js\`), then the four services as four
  processes from \`dist/\` (as \`npm run start:distributed\` does) on a private \`nats-server -js\` on a
  free port (never the machine's shared NATS), the machine's Redis on a database index of its own
  (the first empty one of 13, 14, 15, 12, 11, 10; flushed at the end) and the machine's Postgres
  with a fresh database (dropped at the end). \`NODE_ENV=production\`, \`LOG_LEVEL\` as given above
  (\`info\` is the production default), logs written to files, and the image's \`NODE_OPTIONS\` and
  \`MALLOC_ARENA_MAX\` (read from \`deploy/Dockerfile\`). Requests are routed as the Kubernetes ingress routes them
  (\`deploy/kubernetes/ingress.yaml\`): \`/token\`, \`/introspect\`, \`/revoke\` and
  \`/.well-known/jwks.json\` straight to the token service's HTTP port, every other path to the
  gateway (docs/architecture.md §2.7). Provisioned through its admin API: the API resource, the
  user, a client_credentials client and a first-party web client (\`skip_consent\`).
- **node-oidc-provider**: \`bench/oidc-provider/server.mjs\`, its configuration with the reasons:
  in-memory adapter, RS256 (one 2048-bit key), JWT access tokens through the resource indicators
  feature (\`accessTokenFormat: 'jwt'\`), refresh-token rotation, PKCE, client_credentials,
  introspection and revocation; devInteractions off, with a login form of its own whose POST checks
  an argon2id hash with Latchkey's parameters (m = 19 MiB, t = 2, p = 1), and consent granted
  without a page for the bench's clients (\`loadExistingGrant\`), as \`skip_consent\` does at Latchkey.
  Configured with the client ids and secrets Latchkey generated.
- **Load**: \`bench/lib/driver.mjs\`, a process of its own (its CPU is counted to neither side): N
  virtual users in a closed loop over an undici Pool of N connections, each sending its next
  iteration as soon as the last is answered. Every iteration's latency is kept, so p50 and p99 are
  exact. Rounds alternate the side that goes first, so drift on the machine falls on both alike.
- **Scenarios** (\`bench/lib/scenarios.mjs\`), endpoints read from each side's discovery document:
  - client_credentials: \`POST /token\` with Basic client authentication, \`scope\` and \`resource\`
    of the bench API; answered by a JWT access token.
  - refresh_token with rotation: each virtual user signs in once (unmeasured) asking for
    \`offline_access\`, then keeps its chain, each answer's new refresh token used next. The peer
    honours \`offline_access\` only with \`prompt=consent\` (OpenID Connect Core §11), which its
    sign-ins therefore carry; Latchkey grants it to a \`skip_consent\` client without.
  - code flow with SSO session: each virtual user holds a session from one sign-in (unmeasured);
    an iteration is \`GET /authorize\` with the session cookie (PKCE S256, \`scope=openid api:read\`,
    \`resource\`) answered by a redirect with a code, then the code at \`POST /token\`: an ID token and
    a JWT access token, no refresh token on either side.
  - introspection: \`POST\` of an access token to the introspection endpoint by the client that got
    it. Latchkey introspects its JWT access tokens; **node-oidc-provider 9 refuses to introspect JWT
    access tokens** ("Structured JWT Tokens cannot be introspected via the introspection_endpoint"),
    so its figure is for opaque access tokens of a second resource (a lookup in memory).
  - GET JWKS and discovery.
  - password login: a fresh browser each iteration: \`GET /authorize\` without a session, the login
    page, its form posted with the password (argon2id on both sides), then the redirects until the
    one to the client with a code, 8 connections (argon2 bounds it). Virtual user i signs in as
    user i mod 8 of eight users provisioned alike on both sides (one account for all would
    measure how one account's sessions pile up and contend, not the password check).
- **CPU** from \`/proc/<pid>/stat\` (utime + stime) before and after each round: Latchkey's four
  services, its nats-server, the Redis server and the Postgres server's processes (its background
  processes whole, and the backends connected to the bench's database); the peer's process.
  Redis and Postgres's background processes are shared with other work on the machine, whose cost
  falls on Latchkey's side. **RSS** is each process's VmHWM from \`/proc/<pid>/status\`.
- **A shared machine**: when other work keeps the cores busy, the kernel shares them per process,
  so a side of seven busy processes gets more CPU time than a side of one, and throughput ratios
  lean towards Latchkey. CPU ms per operation does not depend on that share and is the steadier
  comparison; the "other load" column above tells how busy the machine was.

## Reproduce

\`\`\`sh
npm ci
npm run bench                 # the full run (under 10 minutes); rewrites this page
npm run bench -- --quick      # a smoke run of every scenario (bench/results/quick.json)
npm run bench -- --only client_credentials,jwks --rounds 3 --seconds 5 --log-level warn
npm run bench -- --only refresh_token --cpu-prof /tmp/prof   # a .cpuprofile per Node process
\`\`\`

It needs Postgres (\`BENCH_POSTGRES_URL\`, default \`postgres://postgres@127.0.0.1:5432\`), Redis
(\`BENCH_REDIS_URL\`, default \`redis://127.0.0.1:6379\`) and \`nats-server\` on this machine. Ctrl-C
stops every process it started and drops its database.
`;
}

/** Two panels of horizontal bars (log scale): operations per second and p99 latency. */
function chart(report) {
  const scenarios = report.scenarios;
  const label = 250;
  const panel = 330;
  const rowHeight = 34;
  const top = 56;
  const width = label + 2 * panel + 60;
  const height = top + scenarios.length * rowHeight + 40;
  const parts = [];
  const text = (x, y, content, extra = '') =>
    `<text x="${x}" y="${y}" ${extra}>${escapeXml(content)}</text>`;
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(
    text(
      12,
      22,
      'Throughput (ops/s, log scale) and p99 latency (ms, log scale)',
      'font-weight="bold"',
    ),
  );
  const panels = [
    {
      title: 'operations per second (higher is better)',
      value: (side) => side.opsPerSecond,
      x0: label,
    },
    {
      title: 'p99 ms (lower is better)',
      value: (side) => side.latencyMs.p99,
      x0: label + panel + 30,
    },
  ];
  for (const p of panels) {
    const values = scenarios
      .flatMap((s) => [p.value(s.latchkey), p.value(s[PEER])])
      .filter((v) => v > 0);
    const max = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
    const min = Math.pow(10, Math.floor(Math.log10(Math.max(Math.min(...values, max), 0.1))));
    const scale = (v) =>
      v > 0
        ? ((Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * (panel - 60)
        : 0;
    parts.push(text(p.x0, 44, p.title, 'font-size="12"'));
    for (let decade = min; decade <= max; decade *= 10) {
      const x = p.x0 + scale(decade);
      parts.push(
        `<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 30}" stroke="#e5e7eb"/>`,
      );
      parts.push(
        text(x, height - 16, fmt(decade), 'font-size="10" text-anchor="middle" fill="#6b7280"'),
      );
    }
    scenarios.forEach((s, i) => {
      ['latchkey', PEER].forEach((side, j) => {
        const v = p.value(s[side]);
        const y = top + i * rowHeight + j * 13;
        parts.push(
          `<rect x="${p.x0}" y="${y}" width="${Math.max(1, scale(v))}" height="11" fill="${COLORS[side]}"/>`,
        );
        parts.push(
          text(
            p.x0 + Math.max(1, scale(v)) + 4,
            y + 10,
            Number.isFinite(v) ? fmt(v) : '–',
            'font-size="10"',
          ),
        );
      });
    });
  }
  scenarios.forEach((s, i) => {
    parts.push(
      text(
        label - 8,
        top + i * rowHeight + 16,
        `${s.id} (${s.connections})`,
        'font-size="12" text-anchor="end"',
      ),
    );
  });
  const legendY = height - 16;
  parts.push(`<rect x="12" y="${legendY - 10}" width="11" height="11" fill="${COLORS.latchkey}"/>`);
  parts.push(text(28, legendY, 'Latchkey', 'font-size="11"'));
  parts.push(`<rect x="92" y="${legendY - 10}" width="11" height="11" fill="${COLORS[PEER]}"/>`);
  parts.push(text(108, legendY, 'node-oidc-provider', 'font-size="11"'));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">\n${parts.join('\n')}\n</svg>\n`;
}

function fmt(n) {
  if (!Number.isFinite(n)) return '–';
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 10) / 10);
}

function memoryColumns(report) {
  return [...new Set(report.scenarios.flatMap((s) => Object.keys(s.peakRssMb ?? {})))];
}

function ms(n) {
  return typeof n === 'number' ? String(n) : '–';
}

function fmtRatio(n) {
  return typeof n === 'number' && Number.isFinite(n) ? n.toFixed(2) : '–';
}

function escapeXml(s) {
  return String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? path.join(ROOT, 'bench', 'results', 'latest.json');
  await writeReport(JSON.parse(readFileSync(file, 'utf8')));
  console.log('wrote docs/performance.md and docs/performance.svg');
}
