import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { InitialAccessTokensRepository } from './initial-access-tokens.repository';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';

@Module({
  imports: [ClientsModule],
  controllers: [RegistrationController],
  providers: [InitialAccessTokensRepository, RegistrationService],
})
export class RegistrationModule {}
