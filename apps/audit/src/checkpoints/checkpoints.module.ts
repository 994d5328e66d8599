import { DynamicModule, Module } from '@nestjs/common';
import { ChainModule } from '../chain/chain.module';
import { AuditCheckpoints } from './audit-checkpoints.service';
import { CheckpointKeys } from './checkpoint-keys.service';
import { CheckpointScheduler } from './checkpoint.scheduler';
import { CHECKPOINTS_CONFIG, type CheckpointsConfig } from './checkpoints.config';
import { CheckpointsController } from './checkpoints.controller';
import { CheckpointsRepository } from './checkpoints.repository';

/** Signed checkpoints of the chain head and the keys that verify them (docs/audit.md). */
@Module({})
export class CheckpointsModule {
  static forRoot(config: CheckpointsConfig): DynamicModule {
    return {
      module: CheckpointsModule,
      global: true,
      imports: [ChainModule],
      controllers: [CheckpointsController],
      providers: [
        { provide: CHECKPOINTS_CONFIG, useValue: config },
        CheckpointsRepository,
        CheckpointKeys,
        AuditCheckpoints,
        CheckpointScheduler,
      ],
      exports: [AuditCheckpoints],
    };
  }
}
