import { Inject, Injectable } from '@nestjs/common';
import {
  ClientSubjects,
  type ManageRegistrationRequest,
  type ManageRegistrationResponse,
  type RegisterClientRequest,
  type RegisterClientResponse,
} from '@latchkey/contracts';
import { InvalidToken } from '@latchkey/oauth';
import { ClientsCache } from '@latchkey/registry-client';
import { BusClient } from '@latchkey/transport';
import type { JsonObject } from '../http/json-body';
import { ISSUER } from '@latchkey/oauth-http';
import { ClientRegistration, toClientRegistration } from './registration-response';

/**
 * RFC 7591 dynamic registration and RFC 7592 management. The client registry checks the initial
 * and registration access tokens and the metadata; the gateway shapes the HTTP answers.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly bus: BusClient,
    @Inject(ISSUER) private readonly issuer: string,
    private readonly clients: ClientsCache,
  ) {}

  async register(initialAccessToken: string, metadata: JsonObject): Promise<ClientRegistration> {
    const registered = await this.bus.request<RegisterClientResponse>(ClientSubjects.Register, {
      initial_access_token: initialAccessToken,
      metadata,
    } satisfies RegisterClientRequest);
    return toClientRegistration(this.issuer, registered);
  }

  read(clientId: string, registrationAccessToken: string): Promise<ClientRegistration> {
    return this.manage({
      client_id: clientId,
      registration_access_token: registrationAccessToken,
      action: 'read',
    });
  }

  update(
    clientId: string,
    registrationAccessToken: string,
    metadata: JsonObject,
  ): Promise<ClientRegistration> {
    return this.manage({
      client_id: clientId,
      registration_access_token: registrationAccessToken,
      action: 'update',
      metadata,
    });
  }

  async delete(clientId: string, registrationAccessToken: string): Promise<void> {
    await this.clients.changing(clientId, () =>
      this.bus.request<ManageRegistrationResponse>(ClientSubjects.ManageRegistration, {
        client_id: clientId,
        registration_access_token: registrationAccessToken,
        action: 'delete',
      } satisfies ManageRegistrationRequest),
    );
  }

  private async manage(request: ManageRegistrationRequest): Promise<ClientRegistration> {
    // A read changes nothing, but dropping the cached copy then costs one lookup at most.
    const result = await this.clients.changing(request.client_id, () =>
      this.bus.request<ManageRegistrationResponse>(ClientSubjects.ManageRegistration, request),
    );
    // RFC 7592 §2.1: an unknown client is answered like a bad token, never as "not found".
    if (!result) throw new InvalidToken('the registration access token is not valid');
    return toClientRegistration(this.issuer, result);
  }
}
