/**
 * The load generator, in a process of its own so its CPU is counted to neither side: a closed
 * loop of N virtual users over an undici Pool of N connections, each user sending its next
 * iteration as soon as the last one is answered. Every iteration's latency is kept (all of them,
 * sorted at the end, so p50 and p99 are exact) with the errors: an iteration that did not get
 * the answer it needed (status, a code, an active token...).
 *
 * Driven by the harness over IPC: init, prepare, run, summary, finish.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { IMPLEMENTATIONS } from './scenarios.mjs';

const targets = {};
const scenarios = new Map();

const handlers = {
  /**
   * { targets: { name: { issuer, routes, clients, introspectionResource } }, users, resource,
   * redirectUri }; `routes` maps a path to the origin that serves it instead of the issuer.
   */
  async init({ targets: given, users, resource, redirectUri }) {
    for (const [name, target] of Object.entries(given)) {
      const res = await fetch(`${target.issuer}/.well-known/openid-configuration`);
      const endpoints = await res.json();
      targets[name] = { ...target, name, endpoints, users, resource, redirectUri };
    }
  },

  async prepare({ scenario, target, connections }) {
    const ctx = targets[target];
    // One pool per origin: the issuer, and where a route sends some paths (an ingress's rules).
    const pools = new Map();
    const poolFor = (origin) => {
      let pool = pools.get(origin);
      if (!pool) {
        pool = new Pool(origin, {
          connections,
          pipelining: 1,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        pools.set(origin, pool);
      }
      return pool;
    };
    const http = async (method, url, { headers, body } = {}) => {
      const full = new URL(url, ctx.issuer);
      const origin = ctx.routes?.[full.pathname] ?? ctx.issuer;
      const res = await poolFor(origin).request({
        method,
        path: full.pathname + full.search,
        headers,
        body,
      });
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    };
    const run = { ctx: { ...ctx, http }, pools, vus: [], latencies: [], errors: 0, samples: [] };
    run.vus = Array.from({ length: connections }, (_, i) => ({ i }));
    const impl = IMPLEMENTATIONS[scenario];
    if (impl.prepare) {
      // The signed-in sessions outlive the scenario: later ones of the same target reuse them.
      run.ctx.sessions = ctx.sessions;
      await impl.prepare(run.ctx, run.vus);
      ctx.sessions = run.ctx.sessions;
    }
    scenarios.set(`${scenario}/${target}`, run);
  },

  /** One round: `durationMs` of closed-loop load; `record` false for the warm-up. */
  async run({ scenario, target, durationMs, record }) {
    const run = scenarios.get(`${scenario}/${target}`);
    const { iteration } = IMPLEMENTATIONS[scenario];
    let ops = 0;
    let errors = 0;
    const started = performance.now();
    const end = started + durationMs;
    await Promise.all(
      run.vus.map(async (vu) => {
        while (performance.now() < end) {
          const t0 = performance.now();
          try {
            await iteration(run.ctx, vu);
            ops += 1;
            if (record) run.latencies.push(performance.now() - t0);
          } catch (err) {
            errors += 1;
            if (record && run.samples.length < 5 && !run.samples.includes(err.message)) {
              run.samples.push(err.message);
            }
            // A failing target must not turn the loop into a busy spin.
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    if (record) run.errors += errors;
    return { ops, errors, elapsedMs };
  },

  async summary({ scenario, target }) {
    const run = scenarios.get(`${scenario}/${target}`);
    const sorted = Float64Array.from(run.latencies).sort();
    const at = (q) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
    return {
      count: sorted.length,
      errors: run.errors,
      errorSamples: run.samples,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: sorted.length ? sorted[sorted.length - 1] : NaN,
      mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
    };
  },

  async finish({ scenario, target }) {
    const run = scenarios.get(`${scenario}/${target}`);
    scenarios.delete(`${scenario}/${target}`);
    await Promise.all([...run.pools.values()].map((pool) => pool.close()));
  },
};

process.on('message', async ({ id, cmd, args }) => {
  try {
    process.send({ id, result: await handlers[cmd](args) });
  } catch (err) {
    process.send({ id, error: err.stack ?? String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
