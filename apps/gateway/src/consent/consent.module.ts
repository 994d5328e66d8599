import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { UsersModule } from '../users/users.module';
import { ConsentService } from './consent.service';
import { ConsentsModule } from './consents.module';

/** The consent step: whether to ask, the page that asks, and what an answer records. */
@Module({
  imports: [ConsentsModule, UsersModule, ClientsModule],
  providers: [ConsentService],
  exports: [ConsentService],
})
export class ConsentModule {}
