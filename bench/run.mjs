#!/usr/bin/env node
/**
 * `npm run bench`: Latchkey in distributed mode against node-oidc-provider 9, side by side on
 * this machine. Method and results: docs/performance.md (generated from bench/results/latest.json
 * by bench/report.mjs at the end of every run).
 *
 *   npm run bench                      the full run (5 rounds of 4 s per scenario and target)
 *   npm run bench -- --quick           a smoke run (1 round of 1 s), written to results/quick.json
 *   npm run bench -- --only jwks,discovery --rounds 3 --seconds 2
 *   npm run bench -- --log-level warn  Latchkey's LOG_LEVEL (default: info, the production default)
 *   npm run bench -- --only refresh_token --cpu-prof /tmp/prof
 *                                      a V8 CPU profile per Node process (written when it stops)
 */
import { execFileSync, fork } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { shutdown, onCleanup } from './lib/processes.mjs';
import { cpuDelta, cpuSnapshot, memory, resetPeakRss } from './lib/proc-stats.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';
import {
  BENCH_REDIRECT_URI,
  BENCH_RESOURCE,
  BENCH_USERS,
  PEER_OPAQUE_RESOURCE,
  ROOT,
  provisionLatchkey,
  removeWorkDir,
  startLatchkey,
  startPeer,
} from './lib/targets.mjs';
import { formatted, writeReport } from './report.mjs';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    only: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'keep-logs': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const ROUNDS = Number(options.rounds ?? (options.quick ? 1 : 5));
const ROUND_MS = Number(options.seconds ?? (options.quick ? 1 : 4)) * 1000;
const WARMUP_MS = options.quick ? 300 : 1500;
const scenarios = options.only
  ? SCENARIOS.filter((s) => options.only.split(',').includes(s.id))
  : SCENARIOS;
const RESULTS = path.join(ROOT, 'bench', 'results');
const output = path.join(RESULTS, options.quick || options.only ? 'quick.json' : 'latest.json');

const log = (line) => process.stdout.write(`${line}\n`);

async function main() {
  const startedAt = new Date();
  const t0 = performance.now();
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-built.js')], {
    cwd: ROOT,
    stdio: 'inherit',
  });

  const signing = measureSigningLimit();
  log(`RS256 signing limit (node:crypto, 2048-bit, one core): ${signing.perSecond.toFixed(0)}/s`);

  const workDir = mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  if (!options['keep-logs']) onCleanup(() => removeWorkDir(workDir));
  log(`starting Latchkey (distributed, LOG_LEVEL=${options['log-level']}); logs in ${workDir}`);
  const cpuProfDir = options['cpu-prof'] && path.resolve(options['cpu-prof']);
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  /** Node flags of the process `name` (its profile named after it). */
  const nodeFlags = (name) =>
    cpuProfDir
      ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`]
      : [];
  const latchkey = await startLatchkey({ workDir, logLevel: options['log-level'], nodeFlags });
  const clients = await provisionLatchkey(latchkey);
  log('starting node-oidc-provider');
  const peer = await startPeer({ workDir, clients, nodeFlags });
  const sides = { latchkey, 'oidc-provider': peer };

  const driver = startDriver();
  await driver.call('init', {
    targets: Object.fromEntries(
      Object.entries(sides).map(([name, side]) => [
        name,
        {
          issuer: side.issuer,
          routes: side.routes,
          clients,
          // The resource of the tokens to introspect: the peer's JWTs cannot be (see targets.mjs).
          introspectionResource:
            name === 'oidc-provider' ? PEER_OPAQUE_RESOURCE : BENCH_RESOURCE.identifier,
        },
      ]),
    ),
    users: BENCH_USERS,
    resource: BENCH_RESOURCE,
    redirectUri: BENCH_REDIRECT_URI,
  });

  // Node processes whose peak RSS is read per scenario (the high-water mark reset before each).
  const measuredProcesses = { ...latchkey.services, 'oidc-provider': peer.proc };
  const results = [];
  for (const scenario of scenarios) {
    log(`\n== ${scenario.title} (${scenario.connections} connections)`);
    const peakResettable = Object.values(measuredProcesses).every((p) => resetPeakRss(p.pid));
    const perSide = {};
    for (const name of Object.keys(sides)) {
      await driver.call('prepare', {
        scenario: scenario.id,
        target: name,
        connections: scenario.connections,
      });
      await driver.call('run', {
        scenario: scenario.id,
        target: name,
        durationMs: WARMUP_MS,
        record: false,
      });
      perSide[name] = { rounds: [], cpu: {}, machineCpu: 0 };
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first, so drift on the machine falls on both alike.
      const order = round % 2 === 0 ? Object.keys(sides) : Object.keys(sides).reverse();
      for (const name of order) {
        const groups = sides[name].pids();
        const before = cpuSnapshot(groups);
        const machineBefore = machineBusySeconds();
        const r = await driver.call('run', {
          scenario: scenario.id,
          target: name,
          durationMs: ROUND_MS,
          record: true,
        });
        // A side with an audit trail is measured until the trail has caught up: work it leaves
        // behind in the window (events still to relay and store) is counted in its time and CPU.
        r.catchUpMs = sides[name].auditTrail ? await auditCatchUp(sides[name]) : 0;
        const used = cpuDelta(before, cpuSnapshot(sides[name].pids()));
        const side = perSide[name];
        side.machineCpu += machineBusySeconds() - machineBefore;
        for (const [group, seconds] of Object.entries(used)) {
          side.cpu[group] = (side.cpu[group] ?? 0) + seconds;
        }
        side.rounds.push({ ...r, opsPerSecond: (r.ops / (r.elapsedMs + r.catchUpMs)) * 1000 });
        log(
          `  round ${round + 1} ${name.padEnd(13)} ${side.rounds.at(-1).opsPerSecond.toFixed(0).padStart(6)}/s` +
            (r.catchUpMs ? `  (audit trail caught up ${Math.round(r.catchUpMs)} ms after)` : '') +
            (r.errors ? `  errors ${r.errors}` : ''),
        );
      }
    }
    const entry = { id: scenario.id, title: scenario.title, connections: scenario.connections };
    entry.tokenScenario = Boolean(scenario.tokenScenario);
    // Peak RSS during this scenario (or, where the reset was refused, since the process started).
    entry.peakRssMb = Object.fromEntries(
      Object.entries(measuredProcesses).map(([name, p]) => [name, round1(memory(p.pid).peakRssMb)]),
    );
    entry.peakRssSinceStart = !peakResettable;
    for (const name of Object.keys(sides)) {
      const summary = await driver.call('summary', { scenario: scenario.id, target: name });
      await driver.call('finish', { scenario: scenario.id, target: name });
      const side = perSide[name];
      const ops = side.rounds.reduce((sum, r) => sum + r.ops, 0);
      const cpuSeconds = Object.values(side.cpu).reduce((a, b) => a + b, 0);
      entry[name] = {
        opsPerSecond: median(side.rounds.map((r) => r.opsPerSecond)),
        roundsOpsPerSecond: side.rounds.map((r) => round1(r.opsPerSecond)),
        // How long after each round's load its audit trail caught up (counted in its time).
        roundsAuditCatchUpMs: side.rounds.map((r) => Math.round(r.catchUpMs)),
        operations: ops,
        errors: summary.errors,
        errorSamples: summary.errorSamples,
        // null when no iteration succeeded (NaN does not survive JSON).
        latencyMs: Object.fromEntries(
          ['p50', 'p90', 'p99', 'max', 'mean'].map((q) => [
            q,
            Number.isFinite(summary[q]) ? round2(summary[q]) : null,
          ]),
        ),
        cpuSeconds: round2(cpuSeconds),
        cpuSecondsByProcess: Object.fromEntries(
          Object.entries(side.cpu).map(([k, v]) => [k, round2(v)]),
        ),
        cpuMsPerOperation: ops ? round3((cpuSeconds * 1000) / ops) : null,
        machineBusyCpuSeconds: round2(side.machineCpu),
      };
    }
    const ratio = entry.latchkey.opsPerSecond / entry['oidc-provider'].opsPerSecond;
    entry.ratio = Number.isFinite(ratio) ? round2(ratio) : null;
    results.push(entry);
    const l = entry.latchkey;
    const p = entry['oidc-provider'];
    log(
      `  => Latchkey ${l.opsPerSecond.toFixed(0)}/s p50 ${l.latencyMs.p50} p99 ${l.latencyMs.p99} ms, ` +
        `${l.cpuMsPerOperation} CPU ms/op, errors ${l.errors} | ` +
        `oidc-provider ${p.opsPerSecond.toFixed(0)}/s p50 ${p.latencyMs.p50} p99 ${p.latencyMs.p99} ms, ` +
        `${p.cpuMsPerOperation} CPU ms/op, errors ${p.errors} | ratio ${entry.ratio}`,
    );
    for (const name of Object.keys(sides)) {
      for (const sample of entry[name].errorSamples) log(`  ${name} error: ${sample}`);
    }
  }

  const rss = {};
  for (const [service, proc] of Object.entries(latchkey.services)) rss[service] = memory(proc.pid);
  rss['oidc-provider'] = memory(peer.proc.pid);

  const report = {
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((performance.now() - t0) / 1000),
    quick: options.quick,
    settings: {
      rounds: ROUNDS,
      roundSeconds: ROUND_MS / 1000,
      warmupSeconds: WARMUP_MS / 1000,
      latchkeyLogLevel: options['log-level'],
    },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGb: round1(os.totalmem() / 2 ** 30),
      node: process.version,
      oidcProvider: JSON.parse(
        readFileSync(path.join(ROOT, 'node_modules', 'oidc-provider', 'package.json'), 'utf8'),
      ).version,
    },
    rs256SigningPerSecond: Math.round(signing.perSecond),
    rs256SignMs: round3(1000 / signing.perSecond),
    scenarios: results,
    peakRssMb: Object.fromEntries(
      Object.entries(rss).map(([k, v]) => [k, { peak: round1(v.peakRssMb), end: round1(v.rssMb) }]),
    ),
  };
  await driver.close();
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(output, await formatted(output, JSON.stringify(report)));
  log(`\nresults: ${path.relative(ROOT, output)}`);
  if (output.endsWith('latest.json')) {
    await writeReport(report);
    log('report: docs/performance.md, docs/performance.svg');
  }
  printTable(report);
}

/** RS256 signatures per second on this thread (one core), with node:crypto and a 2048-bit key. */
function measureSigningLimit() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9');
  for (let i = 0; i < 50; i++) sign('sha256', data, privateKey);
  let count = 0;
  const start = performance.now();
  const end = start + (options.quick ? 500 : 2000);
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) sign('sha256', data, privateKey);
    count += 20;
  }
  return { perSecond: (count / (performance.now() - start)) * 1000 };
}

/** Busy CPU seconds of the whole machine so far (all cores; /proc/stat), to show other load. */
/**
 * Waits until the side's audit trail has caught up: no event pending in an outbox and the stored
 * count unchanged over one poll. Answers the time from the end of the load to the first poll
 * that saw it caught up (0 when nothing was left).
 */
async function auditCatchUp(side) {
  const started = performance.now();
  const POLL_MS = 50;
  let last = await side.auditTrail();
  let lastAt = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const now = await side.auditTrail();
    if (last.pending === 0 && now.pending === 0 && now.stored === last.stored) return lastAt;
    if (performance.now() - started > 120_000) throw new Error('the audit trail did not catch up');
    last = now;
    lastAt = performance.now() - started;
  }
}

function machineBusySeconds() {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = fields[3] + fields[4];
  return (fields.reduce((a, b) => a + b, 0) - idle) / 100;
}

function startDriver() {
  const child = fork(path.join(ROOT, 'bench', 'lib', 'driver.mjs'), [], { stdio: 'inherit' });
  onCleanup(() => child.connected && child.disconnect());
  const pending = new Map();
  let next = 0;
  child.on('message', ({ id, result, error }) => {
    const { resolve, reject } = pending.get(id);
    pending.delete(id);
    if (error) reject(new Error(`driver: ${error}`));
    else resolve(result);
  });
  child.on('exit', (code) => {
    for (const { reject } of pending.values()) reject(new Error(`driver exited (${code})`));
  });
  return {
    call: (cmd, args) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, args });
      }),
    close: () => child.connected && child.disconnect(),
  };
}

function printTable(report) {
  const rows = [
    ['scenario', 'conn', 'peer/s', 'Latchkey/s', 'ratio', 'p50/p99 ms (L)', 'p50/p99 ms (peer)'],
  ];
  rows[0].push('errors L/peer', 'CPU s L/peer', 'CPU ms/op L/peer');
  for (const s of report.scenarios) {
    const l = s.latchkey;
    const p = s['oidc-provider'];
    rows.push([
      s.id,
      String(s.connections),
      p.opsPerSecond.toFixed(0),
      l.opsPerSecond.toFixed(0),
      s.ratio === null ? '–' : s.ratio.toFixed(2),
      `${l.latencyMs.p50} / ${l.latencyMs.p99}`,
      `${p.latencyMs.p50} / ${p.latencyMs.p99}`,
      `${l.errors} / ${p.errors}`,
      `${l.cpuSeconds} / ${p.cpuSeconds}`,
      `${l.cpuMsPerOperation} / ${p.cpuMsPerOperation}`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  log('');
  for (const row of rows) log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
  log(
    `\npeak RSS MB: ${Object.entries(report.peakRssMb)
      .map(([k, v]) => `${k} ${v.peak}`)
      .join(', ')}`,
  );
  log(`RS256 signing limit: ${report.rs256SigningPerSecond}/s (${report.rs256SignMs} ms each)`);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round1 = (n) => Math.round(n * 10) / 10;
const round2 = (n) => Math.round(n * 100) / 100;
const round3 = (n) => Math.round(n * 1000) / 1000;

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  console.error(`bench failed: ${err.stack ?? err}`);
} finally {
  await shutdown();
}
process.exit(failed ? 1 : 0);
