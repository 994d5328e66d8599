import { Module } from '@nestjs/common';
import { RevocationEndpointService } from './revocation-endpoint.service';
import { RevocationController } from './revocation.controller';

/** `POST /revoke` (RFC 7009), answered by the token service over the bus. */
@Module({ controllers: [RevocationController], providers: [RevocationEndpointService] })
export class RevocationModule {}
