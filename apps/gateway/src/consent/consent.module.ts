import { Module } from '@nestjs/common';
import { AuthorizeModule } from '../authorize/authorize.module';
import { InteractionModule } from '../interaction/interaction.module';
import { UsersModule } from '../users/users.module';
import { ConsentController } from './consent.controller';
import { ConsentService } from './consent.service';

/** `GET/POST /consent`: the consent step of an authorization request. */
@Module({
  imports: [AuthorizeModule, InteractionModule, UsersModule],
  controllers: [ConsentController],
  providers: [ConsentService],
})
export class ConsentModule {}
