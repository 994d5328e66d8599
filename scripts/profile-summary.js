#!/usr/bin/env node
/**
 * Summarises V8 CPU profiles (`node --cpu-prof`): self time aggregated by package (a dependency
 * under node_modules, Node's own internals, or this project's file) and the heaviest functions.
 * Idle time is left out; percentages are of busy time.
 *
 *   node scripts/profile-summary.js [--last-ms=N] [--top=N] [--by=package|file] <file.cpuprofile|dir>...
 *
 * --last-ms keeps only the samples of the last N ms of each profile (the load, not the start).
 */
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
};
const lastMs = Number(opt('last-ms', '0'));
const top = Number(opt('top', '15'));
const by = opt('by', 'package');
const files = args
  .filter((a) => !a.startsWith('--'))
  .flatMap((p) =>
    fs.statSync(p).isDirectory()
      ? fs
          .readdirSync(p)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => path.join(p, f))
      : [p],
  );

/** Where a frame's code lives: a package, Node itself, V8 pseudo-frames, or a project file. */
function bucketOf(frame) {
  const url = frame.url || '';
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return by === 'file' ? url : 'node:' + url.slice(5).split('/')[0];
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return by === 'file' ? `${pkg}/${rest.slice(pkg.includes('/') ? 2 : 1).join('/')}` : pkg;
  }
  const dist = url.indexOf('/dist/');
  const rel = dist >= 0 ? url.slice(dist + 6) : url.replace(/^file:\/\//, '');
  return by === 'file' ? rel : 'latchkey:' + rel.split('/').slice(0, 3).join('/');
}

for (const file of files) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // Sample i lasts timeDeltas[i + 1] (the delta is recorded at the next sample).
  let t = profile.startTime;
  const times = profile.timeDeltas.map((d) => (t += d));
  const from = lastMs ? profile.endTime - lastMs * 1000 : -Infinity;
  for (let i = 0; i < profile.samples.length; i++) {
    if (times[i] < from) continue;
    const dt = (times[i + 1] ?? profile.endTime) - times[i];
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  const byBucket = new Map();
  const byFunction = new Map();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const bucket = bucketOf(frame);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${bucket}${frame.url ? ':' + (frame.lineNumber + 1) : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const rows = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `| ${k} | ${(us / 1000).toFixed(0)} | ${((100 * us) / busy).toFixed(1)} |`)
      .join('\n');
  console.log(`### ${path.basename(path.dirname(file))}/${path.basename(file)}`);
  console.log(
    `busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms${lastMs ? ` (last ${lastMs} ms)` : ''}\n`,
  );
  console.log(`| ${by} | self ms | % busy |\n|---|---|---|\n${rows(byBucket)}\n`);
  console.log(`| function | self ms | % busy |\n|---|---|---|\n${rows(byFunction)}\n`);
}
