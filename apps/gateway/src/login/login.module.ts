import { Module } from '@nestjs/common';
import { FederationModule } from '../federation/federation.module';
import { SessionModule } from '../session/session.module';
import { UsersModule } from '../users/users.module';
import { LoginRateLimiter } from './login-rate-limiter';
import { LoginService } from './login.service';

/** The sign-in step: credentials under the login rate limits, up to a new SSO session. */
@Module({
  imports: [FederationModule, SessionModule, UsersModule],
  providers: [LoginService, LoginRateLimiter],
  exports: [LoginService],
})
export class LoginModule {}
