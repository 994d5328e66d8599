import './tracing';
import { Services } from '@latchkey/contracts';
import { runServiceMain } from '@latchkey/platform';
import { ClientRegistryModule } from './client-registry.module';
import { CLIENT_REGISTRY_PERSISTENCE } from './client-registry.persistence';

runServiceMain({
  service: Services.ClientRegistry,
  module: (config) => ClientRegistryModule.forRoot(config),
  persistence: CLIENT_REGISTRY_PERSISTENCE,
  require: ['nats', 'database', 'auditSigningKey'],
  httpPort: (config) => config.healthPort,
  defaultHealthPort: 9102,
});
