import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { ClientAuthenticator } from './client-authenticator.service';
import { ClientKeysResolver } from './client-keys.resolver';

@Module({
  imports: [ClientsModule],
  providers: [ClientAuthenticator, ClientKeysResolver],
  exports: [ClientAuthenticator],
})
export class ClientAuthModule {}
