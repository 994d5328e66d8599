import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';

/** `/register`: RFC 7591 dynamic client registration and RFC 7592 management. */
@Module({
  imports: [ClientsModule],
  controllers: [RegistrationController],
  providers: [RegistrationService],
})
export class RegistrationModule {}
