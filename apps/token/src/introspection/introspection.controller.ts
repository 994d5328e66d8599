import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type IntrospectionJwtResponse,
  type IntrospectionResponse,
  type IntrospectRequest,
  TokenSubjects,
} from '@latchkey/contracts';
import { IntrospectionService } from './introspection.service';

@Controller()
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @MessagePattern(TokenSubjects.Introspect)
  introspect(
    @Payload() request: IntrospectRequest,
  ): Promise<IntrospectionResponse | IntrospectionJwtResponse> {
    return this.introspection.introspect(request);
  }
}
