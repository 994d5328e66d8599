import { Injectable } from '@nestjs/common';
import {
  type IntrospectionJwtResponse,
  type IntrospectionResponse,
  type IntrospectRequest,
  TokenSubjects,
} from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';

/** What the endpoint answers: RFC 7662 JSON, or the RFC 9701 JWT when it was asked for. */
export type IntrospectionAnswer =
  { kind: 'json'; body: IntrospectionResponse } | { kind: 'jwt'; jwt: string };

/** The introspection endpoint is the token service's; the gateway hands the request over. */
@Injectable()
export class IntrospectionEndpointService {
  constructor(private readonly bus: BusClient) {}

  async introspect(request: IntrospectRequest): Promise<IntrospectionAnswer> {
    const answer = await this.bus.request<IntrospectionResponse | IntrospectionJwtResponse>(
      TokenSubjects.Introspect,
      request,
    );
    if (request.want_jwt && isJwtResponse(answer)) return { kind: 'jwt', jwt: answer.jwt };
    if (isJwtResponse(answer)) throw new Error('token.introspect answered a JWT nobody asked for');
    return { kind: 'json', body: answer };
  }
}

function isJwtResponse(
  answer: IntrospectionResponse | IntrospectionJwtResponse,
): answer is IntrospectionJwtResponse {
  return typeof (answer as Partial<IntrospectionJwtResponse>).jwt === 'string';
}
