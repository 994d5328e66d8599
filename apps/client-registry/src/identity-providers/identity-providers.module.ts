import { Module } from '@nestjs/common';
import { IdentityProvidersController } from './identity-providers.controller';
import { IdentityProvidersRepository } from './identity-providers.repository';
import { IdentityProvidersService } from './identity-providers.service';
import { ProviderSecrets } from './provider-secrets';

@Module({
  controllers: [IdentityProvidersController],
  providers: [IdentityProvidersRepository, IdentityProvidersService, ProviderSecrets],
})
export class IdentityProvidersModule {}
