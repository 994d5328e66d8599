import './tracing';
import { Services } from '@latchkey/contracts';
import { exitOnStartupFailure, runServiceMain } from '@latchkey/platform';
import { ClientRegistryModule } from './client-registry.module';
import { CLIENT_REGISTRY_PERSISTENCE } from './client-registry.persistence';
import { rotateProviderSecretsKey } from './identity-providers/provider-secrets.rotation';

if (process.argv[2] === 'rotate-kek') {
  rotateProviderSecretsKey().then(
    ({ resealed, current }) => {
      process.stdout.write(
        `rotate-kek: ${resealed.length} identity provider secret(s) re-encrypted with ` +
          `KEY_ENCRYPTION_KEY, ${current.length} already were\n`,
      );
    },
    (err: unknown) => exitOnStartupFailure('client-registry rotate-kek', err),
  );
} else {
  runServiceMain({
    service: Services.ClientRegistry,
    module: (config) => ClientRegistryModule.forRoot(config),
    persistence: CLIENT_REGISTRY_PERSISTENCE,
    require: ['nats', 'database', 'auditSigningKey'],
    httpPort: (config) => config.healthPort,
    defaultHealthPort: 9102,
  });
}
