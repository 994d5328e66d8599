import { Module } from '@nestjs/common';
import { IntrospectionEndpointService } from './introspection-endpoint.service';
import { IntrospectionController } from './introspection.controller';

/** `POST /introspect` (RFC 7662, RFC 9701), answered by the token service over the bus. */
@Module({ controllers: [IntrospectionController], providers: [IntrospectionEndpointService] })
export class IntrospectionModule {}
