import { Injectable } from '@nestjs/common';
import {
  ClientSubjects,
  type ClientView,
  type CreateClientRequest,
  type CreateClientResponse,
  type CreateInitialAccessTokenRequest,
  type CreateInitialAccessTokenResponse,
  type DeleteClientRequest,
  type GetClientRequest,
  type GetClientResponse,
  type ListClientsRequest,
  type ListClientsResponse,
  type RotateSecretRequest,
  type RotateSecretResponse,
  type UpdateClientRequest,
  type UpdateClientResponse,
} from '@latchkey/contracts';
import { NotFound } from '@latchkey/oauth';
import { ClientsCache } from '@latchkey/registry-client';
import { BusClient } from '@latchkey/transport';
import { JsonObject, readOptionalInteger } from '../http/json-body';
import type { PageQuery } from '../http/page-query.pipe';
import { ClientWithSecret, toClientView, withSecret } from './client-view';

/** The admin API's client operations, answered by the client registry. */
@Injectable()
export class AdminClientsService {
  constructor(
    private readonly bus: BusClient,
    private readonly clients: ClientsCache,
  ) {}

  async create(metadata: JsonObject): Promise<ClientWithSecret> {
    const created = await this.bus.request<CreateClientResponse>(ClientSubjects.Create, {
      metadata,
    } satisfies CreateClientRequest);
    return withSecret(created.client, created.client_secret);
  }

  async list(page: PageQuery): Promise<ListClientsResponse> {
    const result = await this.bus.request<ListClientsResponse>(
      ClientSubjects.List,
      page satisfies ListClientsRequest,
    );
    return { items: result.items.map(toClientView), next_cursor: result.next_cursor };
  }

  async get(clientId: string): Promise<ClientView> {
    const record = await this.bus.request<GetClientResponse>(ClientSubjects.Get, {
      client_id: clientId,
    } satisfies GetClientRequest);
    if (!record) throw new NotFound('no client with this client_id');
    return toClientView(record);
  }

  /** A client made confidential by the patch gets its first secret, shown in this answer only. */
  async update(clientId: string, patch: JsonObject): Promise<ClientWithSecret> {
    const updated = await this.clients.changing(clientId, () =>
      this.bus.request<UpdateClientResponse>(ClientSubjects.Update, {
        client_id: clientId,
        patch,
      } satisfies UpdateClientRequest),
    );
    return withSecret(updated.client, updated.client_secret);
  }

  async delete(clientId: string): Promise<void> {
    await this.clients.changing(clientId, () =>
      this.bus.request<unknown>(ClientSubjects.Delete, {
        client_id: clientId,
      } satisfies DeleteClientRequest),
    );
  }

  async rotateSecret(clientId: string, body: JsonObject): Promise<ClientWithSecret> {
    const request: RotateSecretRequest = { client_id: clientId };
    const grace = readOptionalInteger(body, 'grace_period_seconds', 0);
    if (grace !== undefined) request.grace_period_seconds = grace;
    const rotated = await this.clients.changing(clientId, () =>
      this.bus.request<RotateSecretResponse>(ClientSubjects.RotateSecret, request),
    );
    return withSecret(rotated.client, rotated.client_secret);
  }

  async createInitialAccessToken(body: JsonObject): Promise<CreateInitialAccessTokenResponse> {
    const request: CreateInitialAccessTokenRequest = {};
    const expiresIn = readOptionalInteger(body, 'expires_in', 1);
    if (expiresIn !== undefined) request.expires_in = expiresIn;
    const maxUses = readOptionalInteger(body, 'max_uses', 1);
    if (maxUses !== undefined) request.max_uses = maxUses;
    // The registration policy: validated by the registry, which owns the rules.
    for (const key of ['scope', 'grant_types', 'default_resource'] as const) {
      if (body[key] !== undefined && body[key] !== null) {
        (request as Record<string, unknown>)[key] = body[key];
      }
    }
    return this.bus.request<CreateInitialAccessTokenResponse>(
      ClientSubjects.CreateInitialAccessToken,
      request,
    );
  }
}
