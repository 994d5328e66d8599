import { Module } from '@nestjs/common';
import { IdTokenSigner } from './id-token.signer';

/** Needs SigningKeysService (KeysModule is global). */
@Module({
  providers: [IdTokenSigner],
  exports: [IdTokenSigner],
})
export class IdTokensModule {}
