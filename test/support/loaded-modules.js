/**
 * Preloaded into a platform process under test (`node --require`): when the process exits, writes
 * the OpenTelemetry modules it loaded, as a JSON array of paths, to LATCHKEY_TEST_LOADED_MODULES.
 */
const { writeFileSync } = require('node:fs');

const target = process.env.LATCHKEY_TEST_LOADED_MODULES;
if (target) {
  process.once('exit', () => {
    const loaded = Object.keys(require.cache).filter((file) => file.includes('/@opentelemetry/'));
    writeFileSync(target, JSON.stringify(loaded));
  });
}
