import { Module } from '@nestjs/common';
import { AdminClientBootstrap } from './admin-client.bootstrap';
import { ClientsController } from './clients.controller';
import { ClientsRepository } from './clients.repository';
import { ClientsService } from './clients.service';

@Module({
  controllers: [ClientsController],
  providers: [ClientsRepository, ClientsService, AdminClientBootstrap],
  exports: [ClientsRepository, ClientsService],
})
export class ClientsModule {}
