/**
 * Probes the real backends once per Jest run and records which are up, so suites can report
 * themselves as skipped (or failed under CI=true) with the reason instead of timing out.
 */
const net = require('node:net');

const backends = {
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
};
const ports = { postgres: 5432, redis: 6379, nats: 4222 };

function probe(name) {
  const u = new URL(backends[name]);
  return new Promise((resolve) => {
    const socket = net.connect(Number(u.port || ports[name]), u.hostname);
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}

module.exports = async () => {
  for (const name of Object.keys(backends)) {
    const up = await probe(name);
    process.env[`LATCHKEY_TEST_${name.toUpperCase()}_UP`] = up ? '1' : '0';
    if (!up) console.warn(`[latchkey tests] ${name} is unreachable at ${backends[name]}`);
  }
};
