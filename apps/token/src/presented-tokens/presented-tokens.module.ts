import { Module } from '@nestjs/common';
import { AccessTokensModule } from '../access-tokens/access-tokens.module';
import { UserGrantsModule } from '../user-grants/user-grants.module';
import { PresentedTokenFinder } from './presented-token.finder';

/** Tokens clients hand back (revocation, introspection): which one, and in what state. */
@Module({
  imports: [AccessTokensModule, UserGrantsModule],
  providers: [PresentedTokenFinder],
  exports: [PresentedTokenFinder],
})
export class PresentedTokensModule {}
