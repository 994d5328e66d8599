import { Module } from '@nestjs/common';
import { AuthorizeModule } from '../authorize/authorize.module';
import { InteractionModule } from '../interaction/interaction.module';
import { SessionModule } from '../session/session.module';
import { UsersModule } from '../users/users.module';
import { LoginRateLimiter } from './login-rate-limiter';
import { LoginController } from './login.controller';
import { LoginService } from './login.service';

/** `GET/POST /login`: the sign-in step of an authorization request. */
@Module({
  imports: [AuthorizeModule, InteractionModule, SessionModule, UsersModule],
  controllers: [LoginController],
  providers: [LoginService, LoginRateLimiter],
})
export class LoginModule {}
