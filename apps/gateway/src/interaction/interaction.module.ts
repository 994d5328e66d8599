import { Module } from '@nestjs/common';
import { AuthorizeModule } from '../authorize/authorize.module';
import { AuthorizeController } from '../authorize/authorize.controller';
import { ClientsModule } from '../clients/clients.module';
import { ConsentController } from '../consent/consent.controller';
import { ConsentModule } from '../consent/consent.module';
import { FederationModule } from '../federation/federation.module';
import { LoginController } from '../login/login.controller';
import { LoginModule } from '../login/login.module';
import { SessionModule } from '../session/session.module';
import { UsersModule } from '../users/users.module';
import { InteractionFlow } from './interaction-flow.service';
import { InteractionService } from './interaction.service';
import { InteractionsRepository } from './interactions.repository';

/**
 * `/authorize`, `/login` and `/consent`: one flow (InteractionFlow) over pending authorization
 * requests in the KV store, bound to the browser that started them.
 */
@Module({
  imports: [
    AuthorizeModule,
    ClientsModule,
    ConsentModule,
    FederationModule,
    LoginModule,
    SessionModule,
    UsersModule,
  ],
  controllers: [AuthorizeController, LoginController, ConsentController],
  providers: [InteractionsRepository, InteractionService, InteractionFlow],
})
export class InteractionModule {}
