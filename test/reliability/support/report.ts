import type { LoadSample } from './refresh-load';

/** One fault injected under load, and how long the load took to succeed again after it. */
export interface FaultWindow {
  target: string;
  frozenAt: number;
  thawedAt: number;
  /** From the thaw (or restart) to the first success of a request begun after it. */
  recoveryMs?: number;
}

/**
 * Prints what a reliability run measured (docs/reliability.md quotes these lines): per fault, the
 * answers during it and the recovery time; overall, the statuses and the slowest answer.
 */
export function reportFaults(title: string, samples: LoadSample[], faults: FaultWindow[]): void {
  const lines = [`${title}: ${samples.length} requests`];
  const count = (list: LoadSample[]) => {
    const byStatus = new Map<string, number>();
    for (const s of list) {
      const key = s.status === 503 && s.fromProxy ? '503(proxy)' : String(s.status);
      byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    }
    return [...byStatus].map(([k, v]) => `${k}:${v}`).join(' ');
  };
  lines.push(`  all: ${count(samples)}`);
  for (const f of faults) {
    const during = samples.filter((s) => s.endedAt >= f.frozenAt && s.startedAt <= f.thawedAt);
    lines.push(
      `  ${f.target}: frozen ${f.thawedAt - f.frozenAt} ms; during: ${count(during)}; ` +
        `recovered ${f.recoveryMs === undefined ? 'never' : `${f.recoveryMs} ms`} after the thaw`,
    );
  }
  const latencies = samples.map((s) => s.endedAt - s.startedAt).sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  lines.push(
    `  latency ms: p50 ${pct(0.5)} p99 ${pct(0.99)} max ${latencies[latencies.length - 1]}`,
  );
  console.log(lines.join('\n'));
}
