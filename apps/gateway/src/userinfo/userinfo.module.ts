import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { UserinfoController } from './userinfo.controller';
import { UserinfoService } from './userinfo.service';

/** `GET/POST /userinfo`. */
@Module({
  imports: [UsersModule],
  controllers: [UserinfoController],
  providers: [UserinfoService],
})
export class UserinfoModule {}
