import { DynamicModule, Module } from '@nestjs/common';
import { AuditClientModule, auditDelivery, auditSigningKeyFor } from '@latchkey/audit-client';
import type { PlatformConfig } from '@latchkey/config';
import { Services } from '@latchkey/contracts';
import {
  busReadiness,
  databaseMetrics,
  databaseReadiness,
  platformImports,
} from '@latchkey/platform';
import { PersistenceModule } from '@latchkey/persistence';
import { CLIENT_REGISTRY_PERSISTENCE } from './client-registry.persistence';
import { ClaimScopesModule } from './claim-scopes/claim-scopes.module';
import { ClientsModule } from './clients/clients.module';
import { IdentityProvidersModule } from './identity-providers/identity-providers.module';
import { RegistrationModule } from './registration/registration.module';
import { ResourcesModule } from './resources/resources.module';
import { RegistryCoreModule } from './shared/registry-core.module';

/** OAuth clients, their hashed secrets and API resources. Answers `clients.*` on the bus. */
@Module({})
export class ClientRegistryModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: ClientRegistryModule,
      imports: [
        ...platformImports(Services.ClientRegistry, config),
        PersistenceModule.forService(CLIENT_REGISTRY_PERSISTENCE),
        AuditClientModule.forService({
          service: Services.ClientRegistry,
          issuer: config.issuer,
          schema: CLIENT_REGISTRY_PERSISTENCE.schema,
          ...auditDelivery(config),
          signingKey: auditSigningKeyFor(Services.ClientRegistry, config),
        }),
        RegistryCoreModule.forRoot({
          adminClient: config.adminClient,
          issuer: config.issuer,
          outbound: config.outbound,
          keyEncryptionKey: config.keyEncryptionKey,
          previousKeyEncryptionKeys: config.previousKeyEncryptionKeys,
        }),
        IdentityProvidersModule,
        ClientsModule,
        RegistrationModule,
        ResourcesModule,
        ClaimScopesModule,
      ],
      providers: [databaseReadiness(), busReadiness(), databaseMetrics()],
    };
  }
}
