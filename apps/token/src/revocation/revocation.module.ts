import { Module } from '@nestjs/common';
import { AccessTokensModule } from '../access-tokens/access-tokens.module';
import { ClientAuthModule } from '../client-auth/client-auth.module';
import { PresentedTokensModule } from '../presented-tokens/presented-tokens.module';
import { UserGrantsModule } from '../user-grants/user-grants.module';
import { RevocationController } from './revocation.controller';
import { RevocationService } from './revocation.service';

/** RFC 7009 token revocation (`token.revoke`). */
@Module({
  imports: [ClientAuthModule, AccessTokensModule, PresentedTokensModule, UserGrantsModule],
  controllers: [RevocationController],
  providers: [RevocationService],
  exports: [RevocationService],
})
export class RevocationModule {}
