import { Module } from '@nestjs/common';
import { CorsOrigins, CorsPolicy } from '@latchkey/oauth-http';
import { RegisteredCorsOrigins } from '@latchkey/registry-client';
import { ClaimsModule } from '../claims/claims.module';
import { ClientsModule } from '../clients/clients.module';
import { UsersModule } from '../users/users.module';
import { UserinfoController } from './userinfo.controller';
import { UserinfoService } from './userinfo.service';

/** `GET/POST /userinfo`. */
@Module({
  imports: [UsersModule, ClientsModule, ClaimsModule],
  controllers: [UserinfoController],
  providers: [
    UserinfoService,
    CorsPolicy,
    { provide: CorsOrigins, useClass: RegisteredCorsOrigins },
  ],
})
export class UserinfoModule {}
