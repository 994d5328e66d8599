import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AdminAuditController } from './audit.controller';
import { AdminAuditService } from './audit.service';
import {
  AUDIT_STREAM_CONFIG,
  type AuditStreamConfig,
  AuditStreamService,
} from './audit-stream.service';

/**
 * `GET /admin/audit` and its verify, export, checkpoints, keys and live stream, for access tokens
 * with the admin scope.
 */
@Module({})
export class AuditQueryModule {
  static forRoot(stream: AuditStreamConfig): DynamicModule {
    return {
      module: AuditQueryModule,
      imports: [AuthModule],
      controllers: [AdminAuditController],
      providers: [
        AdminAuditService,
        AuditStreamService,
        { provide: AUDIT_STREAM_CONFIG, useValue: stream },
      ],
    };
  }
}
