import './tracing';
import { Services } from '@latchkey/contracts';
import { runServiceMain } from '@latchkey/platform';
import { configureGateway, GatewayModule } from './gateway.module';
import { GATEWAY_PERSISTENCE } from './gateway.persistence';

runServiceMain({
  service: Services.Gateway,
  module: (config) => GatewayModule.forRoot(config),
  persistence: GATEWAY_PERSISTENCE,
  // Sessions and interactions must be shared by every replica; cookies signed with one key.
  require: ['nats', 'database', 'redis', 'cookieSecret', 'auditSigningKey'],
  httpPort: (config) => config.port,
  adminPort: (config) => config.adminPort,
  configure: configureGateway,
});
