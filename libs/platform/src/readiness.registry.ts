import { Injectable, type InjectionToken, type Provider } from '@nestjs/common';

export interface ReadinessProbe {
  /** Name shown in the /readyz report, e.g. `database`, `kv`, `bus`. */
  name: string;
  /** Resolves when the backend answers; rejects (or times out) when it does not. */
  check: () => Promise<unknown>;
}

/**
 * Backends a service depends on. Each module registers its own probe at init, so /readyz
 * reports exactly what this process needs without the health code knowing about adapters.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly probes = new Map<string, ReadinessProbe>();

  register(probe: ReadinessProbe): void {
    this.probes.set(probe.name, probe);
  }

  list(): ReadinessProbe[] {
    return [...this.probes.values()];
  }
}

/**
 * A provider that registers one readiness probe over an injected dependency, e.g.
 * `readinessProbe('database', DataSource, (ds) => pingDatabase(ds))`.
 */
export function readinessProbe<T>(
  name: string,
  dependency: InjectionToken,
  check: (dependency: T) => Promise<unknown>,
): Provider {
  return {
    provide: `latchkey:readiness:${name}`,
    inject: [ReadinessRegistry, dependency],
    useFactory: (registry: ReadinessRegistry, dep: T) => {
      registry.register({ name, check: () => check(dep) });
      return name;
    },
  };
}
