import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AdminAuditController } from './audit.controller';
import { AdminAuditService } from './audit.service';

/** `GET /admin/audit` and `GET /admin/audit/verify`, for access tokens with the admin scope. */
@Module({
  imports: [AuthModule],
  controllers: [AdminAuditController],
  providers: [AdminAuditService],
})
export class AuditQueryModule {}
