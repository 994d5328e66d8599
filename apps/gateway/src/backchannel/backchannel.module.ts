import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { BackchannelDeliveriesRepository } from './backchannel-deliveries.repository';
import { BackchannelLogoutSender } from './backchannel-logout.sender';

/** Back-channel logout delivery to the relying parties of an ended session (durable queue). */
@Module({
  imports: [ClientsModule],
  providers: [BackchannelDeliveriesRepository, BackchannelLogoutSender],
  exports: [BackchannelLogoutSender],
})
export class BackchannelModule {}
