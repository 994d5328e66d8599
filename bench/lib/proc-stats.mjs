/**
 * CPU and memory of processes, read from /proc (Linux): utime + stime in clock ticks, VmHWM and
 * VmRSS in kB.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** { peakRssMb, rssMb } from /proc/<pid>/status. */
export function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { peakRssMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return { peakRssMb: NaN, rssMb: NaN };
  }
}

/**
 * Resets a process's VmHWM to its current RSS (writing 5 to /proc/<pid>/clear_refs), so the next
 * reading is the peak of what ran in between. Answers false where the kernel refuses.
 */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * The Postgres processes that work for this run: the server's own (postmaster, checkpointer,
 * WAL writer, background writer, autovacuum, ...) and the backends connected to `database`.
 * Backends of other databases (other work on the machine) are left out; the shared background
 * processes are counted whole, which includes what other databases cost them at the same time.
 */
export function postgresPids(database) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm;
    let cmdline;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    if (comm !== 'postgres' && !cmdline.startsWith('postgres:')) continue;
    const backend = /\(\d+\)|\[local\]/.test(cmdline);
    if (!backend || cmdline.includes(` ${database} `)) pids.push(Number(entry));
  }
  return pids;
}

/** CPU seconds per process, by group, for { group: [pid, ...] }. */
export function cpuSnapshot(groups) {
  return Object.fromEntries(
    Object.entries(groups).map(([group, pids]) => [
      group,
      Object.fromEntries(pids.map((pid) => [pid, cpuSeconds(pid)])),
    ]),
  );
}

/**
 * CPU seconds each group used between two snapshots. A process that appeared in between counts
 * whole (all its CPU is from the interval); one that exited in between is lost (its last
 * reading is gone with it).
 */
export function cpuDelta(before, after) {
  return Object.fromEntries(
    Object.entries(after).map(([group, pids]) => [
      group,
      Object.entries(pids).reduce(
        (sum, [pid, cpu]) => sum + Math.max(0, cpu - (before[group]?.[pid] ?? 0)),
        0,
      ),
    ]),
  );
}
