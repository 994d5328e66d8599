import type { INestApplication } from '@nestjs/common';
import type { PlatformConfig } from '@latchkey/config';
import { Services } from '@latchkey/contracts';
import { startService } from '@latchkey/platform';
import { AuditModule } from '../../audit/src/audit.module';
import { ClientRegistryModule } from '../../client-registry/src/client-registry.module';
import { configureGateway, GatewayModule } from '../../gateway/src/gateway.module';
import { TokenModule } from '../../token/src/token.module';

/**
 * The all-in-one launcher (not a service): the four services in one process, with the
 * in-process bus, PGlite in DATA_DIR and the in-memory store wherever no backend URL is set.
 * The services run exactly the modules they run alone; only the adapters differ.
 */
export async function startEmbedded(config: PlatformConfig): Promise<INestApplication[]> {
  const apps: INestApplication[] = [];
  try {
    // Internal services first, so the gateway's first request finds them on the bus.
    apps.push(
      await startService({ service: Services.Token, module: TokenModule.forRoot(config), config }),
    );
    apps.push(
      await startService({
        service: Services.ClientRegistry,
        module: ClientRegistryModule.forRoot(config),
        config,
      }),
    );
    apps.push(
      await startService({ service: Services.Audit, module: AuditModule.forRoot(config), config }),
    );
    apps.push(
      await startService({
        service: Services.Gateway,
        module: GatewayModule.forRoot(config),
        config,
        httpPort: config.port,
        adminPort: config.adminPort,
        host: process.env.HOST,
        configure: configureGateway,
      }),
    );
    return apps;
  } catch (err) {
    await stopEmbedded(apps);
    throw err;
  }
}

/** Stops the edge first (no new requests), then the services behind it. */
export async function stopEmbedded(apps: INestApplication[]): Promise<void> {
  for (const app of [...apps].reverse()) {
    await app.close();
  }
}
