import { Module } from '@nestjs/common';
import { AccessTokensModule } from '../access-tokens/access-tokens.module';
import { ClientsModule } from '../clients/clients.module';
import { UserGrantsModule } from '../user-grants/user-grants.module';
import { CodesController } from './codes.controller';
import { CodesService } from './codes.service';
import { CodesStore } from './codes.store';

/** Authorization codes: `token.code.issue`, and redemption for the authorization_code grant. */
@Module({
  imports: [ClientsModule, UserGrantsModule, AccessTokensModule],
  controllers: [CodesController],
  providers: [CodesStore, CodesService],
  exports: [CodesService],
})
export class CodesModule {}
