import { Module } from '@nestjs/common';
import { TokenEndpointService } from './token-endpoint.service';
import { TokenController } from './token.controller';

/** `POST /token` (RFC 6749 §3.2), answered by the token service over the bus. */
@Module({ controllers: [TokenController], providers: [TokenEndpointService] })
export class TokenEndpointModule {}
