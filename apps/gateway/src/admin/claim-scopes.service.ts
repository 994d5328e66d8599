import { Injectable } from '@nestjs/common';
import {
  ClaimScopeSubjects,
  type ClaimScopeView,
  type CreateClaimScopeRequest,
  type DeleteClaimScopeRequest,
  type GetClaimScopeRequest,
  type ListClaimScopesRequest,
  type ListClaimScopesResponse,
  type UpdateClaimScopeRequest,
} from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';
import { ClaimScopesCache } from '@latchkey/registry-client';
import type { JsonObject } from '../http/json-body';
import type { PageQuery } from '../http/page-query.pipe';

/**
 * The admin API's claim scope operations, answered by the client registry. This replica drops
 * its cached mappings once a change is answered, whatever the order the broadcast arrives in.
 */
@Injectable()
export class AdminClaimScopesService {
  constructor(
    private readonly bus: BusClient,
    private readonly cache: ClaimScopesCache,
  ) {}

  create(scope: JsonObject): Promise<ClaimScopeView> {
    return this.changing(() =>
      this.bus.request<ClaimScopeView>(ClaimScopeSubjects.Create, {
        scope,
      } satisfies CreateClaimScopeRequest),
    );
  }

  list(page: PageQuery): Promise<ListClaimScopesResponse> {
    return this.bus.request<ListClaimScopesResponse>(
      ClaimScopeSubjects.List,
      page satisfies ListClaimScopesRequest,
    );
  }

  get(name: string): Promise<ClaimScopeView> {
    return this.bus.request<ClaimScopeView>(ClaimScopeSubjects.Get, {
      name,
    } satisfies GetClaimScopeRequest);
  }

  update(name: string, patch: JsonObject): Promise<ClaimScopeView> {
    return this.changing(() =>
      this.bus.request<ClaimScopeView>(ClaimScopeSubjects.Update, {
        name,
        patch,
      } satisfies UpdateClaimScopeRequest),
    );
  }

  async delete(name: string): Promise<void> {
    await this.changing(() =>
      this.bus.request<unknown>(ClaimScopeSubjects.Delete, {
        name,
      } satisfies DeleteClaimScopeRequest),
    );
  }

  private async changing<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      this.cache.invalidate();
    }
  }
}
