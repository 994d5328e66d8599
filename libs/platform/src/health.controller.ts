import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessRegistry } from './readiness.registry';

const PROBE_TIMEOUT_MS = 2000;

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: ReadinessRegistry,
  ) {}

  /** Liveness: the process runs its event loop. Never depends on a backend. */
  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }

  /** Readiness: every backend this service needs answers (503 otherwise). */
  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check(
      this.registry.list().map(
        (probe) => () =>
          this.indicators
            .check(probe.name)
            .attempt(async () => {
              await probe.check();
            })
            .withTimeout(PROBE_TIMEOUT_MS),
      ),
    );
  }
}
