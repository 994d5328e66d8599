import { Module } from '@nestjs/common';
import { IntrospectionModule } from './introspection/introspection.module';
import { LogoutModule } from './logout/logout.module';
import { RevocationModule } from './revocation/revocation.module';

/**
 * What ends or inspects a token after it was issued: revocation (RFC 7009), introspection
 * (RFC 7662 / 9701) and the end of SSO sessions (back-channel logout). Key rotation lives in
 * KeysModule, grant management in UserGrantsModule.
 */
@Module({ imports: [RevocationModule, IntrospectionModule, LogoutModule] })
export class TokenLifecycleModule {}
