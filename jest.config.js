/**
 * One Jest run, three tiers:
 *   unit         *.spec.ts beside the code (no external backend: fakes, PGlite, loopback)
 *   integration  *.int-spec.ts against the machine's real Postgres, Redis and NATS
 *   e2e          test/**\/*.e2e-spec.ts: the whole platform over HTTP, embedded and distributed
 *   reliability  test/reliability/*.reliability-spec.ts: the distributed platform on private
 *                Redis, Postgres and NATS processes that the tests freeze, kill and restart
 *                under load (docs/reliability.md)
 * @swc/jest compiles TypeScript (with decorator metadata for Nest) and the ESM-only
 * packages (jose, openid-client, oauth4webapi) to CommonJS.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const esmPackages = ['jose', 'openid-client', 'oauth4webapi', '@nestjs'];

const aliases = {
  '^@latchkey/(core|contracts|oauth|oauth-http|config|persistence|kv|transport|audit-client|audit-chain|registry-client|testing|platform|tracing)$':
    '<rootDir>/libs/$1/src',
};

const common = {
  rootDir: __dirname,
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper: aliases,
  // TypeScript first: a stray compiled .js beside a .ts must never shadow the source.
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testEnvironment: 'node',
  // Hooks that open a PGlite database or compile a Nest module take seconds on a loaded
  // machine; Jest's default 5 s made them fail for the machine's load, not for the code.
  testTimeout: 30_000,
};

module.exports = {
  rootDir: __dirname,
  // One worker: the integration and e2e tiers share the machine's NATS, whose subjects and queue
  // groups are fixed by the wire contract, so suites must not run side by side.
  maxWorkers: 1,
  // ...in a worker process, not in Jest's own: a worker is replaced once it holds this much
  // memory (PGlite's WebAssembly heaps, native addons), so no run accumulates one suite's leftovers
  // into the next, and a crash in one suite cannot take the whole run down.
  workerIdleMemoryLimit: '768MB',
  // A global option: in a multi-project run Jest takes it from here, not from the projects.
  testTimeout: 30_000,
  globalSetup: '<rootDir>/test/global-setup.js',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'],
      slowTestThreshold: 30,
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      slowTestThreshold: 60,
    },
    {
      ...common,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.reliability-spec.ts'],
      slowTestThreshold: 120,
    },
  ],
};
