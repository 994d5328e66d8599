import { runInThisContext } from 'node:vm';
import type * as PgliteModule from '@electric-sql/pglite';

/**
 * Loads `@electric-sql/pglite` with Node's own `require`.
 *
 * PGlite pulls in its WASM and several Node built-ins with dynamic `import()`. A test runner that
 * evaluates CommonJS inside a vm sandbox (Jest on Node < 24.9 without --experimental-vm-modules)
 * cannot run those imports, so the package is required through the host's module system, outside
 * any sandbox. Under plain Node this is the ordinary `require` with the ordinary module cache.
 *
 * Values PGlite creates then belong to the host realm (`instanceof Date` fails inside a sandbox):
 * the registry installs parsers/serializers of its own for the types that matter.
 */
export function loadPglite(): typeof PgliteModule {
  const hostProcess = runInThisContext('process') as NodeJS.Process;
  const hostModule = hostProcess.getBuiltinModule('node:module');
  return hostModule.createRequire(__filename)('@electric-sql/pglite') as typeof PgliteModule;
}
