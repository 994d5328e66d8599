import { Services } from '@latchkey/contracts';
import { runServiceMain } from '@latchkey/platform';
import { TokenModule } from './token.module';
import { TOKEN_PERSISTENCE } from './token.persistence';

runServiceMain({
  service: Services.Token,
  module: (config) => TokenModule.forRoot(config),
  persistence: TOKEN_PERSISTENCE,
  require: ['nats', 'database', 'redis', 'keyEncryptionKey'],
  httpPort: (config) => config.healthPort,
  defaultHealthPort: 9101,
});
