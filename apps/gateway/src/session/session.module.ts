import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { SessionService } from './session.service';
import { SessionsRepository } from './sessions.repository';
import { UserSessionsListener } from './user-sessions.listener';

/** SSO sessions (KV store + signed cookie), ended with their user. */
@Module({
  imports: [UsersModule],
  providers: [SessionsRepository, SessionService, UserSessionsListener],
  exports: [SessionService],
})
export class SessionModule {}
