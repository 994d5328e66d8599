import './tracing';
import { loadConfig, embeddedConfig } from '@latchkey/config';
import { exitOnStartupFailure, stopOnSignals } from '@latchkey/platform';
import { startEmbedded, stopEmbedded } from './embedded';

/** `npm start`: the whole platform in one process, nothing else to install. */
async function main(): Promise<void> {
  const config = embeddedConfig(loadConfig(process.env));
  const apps = await startEmbedded(config);
  const issuer = config.issuer;
  process.stdout.write(
    [
      '',
      'Latchkey is running (embedded mode)',
      `  issuer:       ${issuer}`,
      `  discovery:    ${issuer}/.well-known/openid-configuration`,
      `  data:         ${config.dataDir}`,
      `  admin client: ${config.adminClient?.id} / ${config.adminClient?.secret}`,
      '                (client_credentials with scope "admin"; kept in admin-client.json)',
      '',
      '',
    ].join('\n'),
  );
  stopOnSignals('latchkey', config.shutdownTimeoutMs, () => stopEmbedded(apps));
}

main().catch((err) => exitOnStartupFailure('latchkey', err));
