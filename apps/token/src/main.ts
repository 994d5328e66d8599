import './tracing';
import { Services } from '@latchkey/contracts';
import { exitOnStartupFailure, runServiceMain } from '@latchkey/platform';
import { rotateKeyEncryptionKey } from './keys/key-encryption.rotation';
import { TokenModule } from './token.module';
import { TOKEN_PERSISTENCE } from './token.persistence';

if (process.argv[2] === 'rotate-kek') {
  rotateKeyEncryptionKey().then(
    ({ resealed, current }) => {
      process.stdout.write(
        `rotate-kek: ${resealed.length} signing key(s) re-encrypted with KEY_ENCRYPTION_KEY, ` +
          `${current.length} already were; PREVIOUS_KEY_ENCRYPTION_KEYS can now be removed\n`,
      );
    },
    (err: unknown) => exitOnStartupFailure('token rotate-kek', err),
  );
} else {
  runServiceMain({
    service: Services.Token,
    module: (config) => TokenModule.forRoot(config),
    persistence: TOKEN_PERSISTENCE,
    require: ['nats', 'database', 'redis', 'keyEncryptionKey', 'auditSigningKey'],
    httpPort: (config) => config.healthPort,
    defaultHealthPort: 9101,
  });
}
