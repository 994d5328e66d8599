import { Injectable } from '@nestjs/common';
import {
  IdentityProviderSubjects,
  type CreateIdentityProviderRequest,
  type DeleteIdentityProviderRequest,
  type GetIdentityProviderRequest,
  type IdentityProviderView,
  type ListIdentityProvidersRequest,
  type ListIdentityProvidersResponse,
  type UpdateIdentityProviderRequest,
} from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';
import type { JsonObject } from '../http/json-body';
import type { PageQuery } from '../http/page-query.pipe';

/** The admin API's identity provider operations, answered by the client registry. */
@Injectable()
export class AdminIdentityProvidersService {
  constructor(private readonly bus: BusClient) {}

  create(provider: JsonObject): Promise<IdentityProviderView> {
    return this.bus.request<IdentityProviderView>(IdentityProviderSubjects.Create, {
      provider,
    } satisfies CreateIdentityProviderRequest);
  }

  list(page: PageQuery): Promise<ListIdentityProvidersResponse> {
    return this.bus.request<ListIdentityProvidersResponse>(
      IdentityProviderSubjects.List,
      page satisfies ListIdentityProvidersRequest,
    );
  }

  get(id: string): Promise<IdentityProviderView> {
    return this.bus.request<IdentityProviderView>(IdentityProviderSubjects.Get, {
      id,
    } satisfies GetIdentityProviderRequest);
  }

  update(id: string, patch: JsonObject): Promise<IdentityProviderView> {
    return this.bus.request<IdentityProviderView>(IdentityProviderSubjects.Update, {
      id,
      patch,
    } satisfies UpdateIdentityProviderRequest);
  }

  async delete(id: string): Promise<void> {
    await this.bus.request<unknown>(IdentityProviderSubjects.Delete, {
      id,
    } satisfies DeleteIdentityProviderRequest);
  }
}
