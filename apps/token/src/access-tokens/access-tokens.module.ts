import { Module } from '@nestjs/common';
import { AccessTokenSigner } from './access-token.signer';

/** Needs SigningKeysService (KeysModule is global). */
@Module({
  providers: [AccessTokenSigner],
  exports: [AccessTokenSigner],
})
export class AccessTokensModule {}
