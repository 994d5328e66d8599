import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsentsModule } from '../consent/consents.module';
import { LogoutModule } from '../logout/logout.module';
import { SessionModule } from '../session/session.module';
import { UsersModule } from '../users/users.module';
import { AdminGrantsController, AdminUserGrantsController } from './grants.controller';
import { AdminGrantsService } from './grants.service';

/** The admin API's view of what users hold: grants, SSO sessions, remembered consents. */
@Module({
  imports: [AuthModule, ConsentsModule, LogoutModule, SessionModule, UsersModule],
  controllers: [AdminUserGrantsController, AdminGrantsController],
  providers: [AdminGrantsService],
})
export class AdminGrantsModule {}
