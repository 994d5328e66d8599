import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { BackchannelLogoutSender } from './backchannel-logout.sender';

/** Back-channel logout delivery to the relying parties of an ended session. */
@Module({
  imports: [ClientsModule],
  providers: [BackchannelLogoutSender],
  exports: [BackchannelLogoutSender],
})
export class BackchannelModule {}
