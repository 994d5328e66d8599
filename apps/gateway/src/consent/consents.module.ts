import { Module } from '@nestjs/common';
import { ConsentCleanupController } from './consent-cleanup.controller';
import { ConsentsRepository } from './consents.repository';

/** Remembered consents (Postgres), cleaned up when their client is deleted. */
@Module({
  controllers: [ConsentCleanupController],
  providers: [ConsentsRepository],
  exports: [ConsentsRepository],
})
export class ConsentsModule {}
