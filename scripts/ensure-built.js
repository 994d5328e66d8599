#!/usr/bin/env node
// `npm start`, `npm run migrate` or `npm run start:distributed` right after a clone: build once if
// dist/ is missing or older than the sources.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { SERVICES, entryOf, root } = require('./services');

function newestSource(dir) {
  let newest = 0;
  for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (item.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds unless every entry file exists and is newer than every source file. */
function ensureBuilt() {
  const entries = ['embedded', ...SERVICES].map(entryOf);
  const built = Math.min(...entries.map((e) => (fs.existsSync(e) ? fs.statSync(e).mtimeMs : 0)));
  const sources = Math.max(
    newestSource(path.join(root, 'apps')),
    newestSource(path.join(root, 'libs')),
  );
  if (built < sources) {
    console.error('building Latchkey...');
    execFileSync(process.execPath, [path.join(__dirname, 'build.js')], {
      cwd: root,
      stdio: 'inherit',
    });
  }
}

module.exports = { ensureBuilt };

if (require.main === module) ensureBuilt();
