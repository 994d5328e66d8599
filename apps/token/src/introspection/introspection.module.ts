import { Module } from '@nestjs/common';
import { ClientAuthModule } from '../client-auth/client-auth.module';
import { PresentedTokensModule } from '../presented-tokens/presented-tokens.module';
import { IntrospectionResponseSigner } from './introspection-response.signer';
import { IntrospectionController } from './introspection.controller';
import { IntrospectionService } from './introspection.service';

/** RFC 7662 token introspection, with RFC 9701 signed responses (`token.introspect`). */
@Module({
  imports: [ClientAuthModule, PresentedTokensModule],
  controllers: [IntrospectionController],
  providers: [IntrospectionService, IntrospectionResponseSigner],
  exports: [IntrospectionService],
})
export class IntrospectionModule {}
