import { Injectable } from '@nestjs/common';
import {
  ResourceSubjects,
  type CreateResourceRequest,
  type DeleteResourceRequest,
  type GetResourceRequest,
  type ListResourcesRequest,
  type ListResourcesResponse,
  type ResourceView,
  type UpdateResourceRequest,
} from '@latchkey/contracts';
import { NotFound } from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';
import type { JsonObject } from '../http/json-body';
import type { PageQuery } from '../http/page-query.pipe';

/** The admin API's API-resource operations, answered by the client registry. */
@Injectable()
export class AdminResourcesService {
  constructor(private readonly bus: BusClient) {}

  create(resource: JsonObject): Promise<ResourceView> {
    return this.bus.request<ResourceView>(ResourceSubjects.Create, {
      resource,
    } satisfies CreateResourceRequest);
  }

  list(page: PageQuery): Promise<ListResourcesResponse> {
    return this.bus.request<ListResourcesResponse>(
      ResourceSubjects.List,
      page satisfies ListResourcesRequest,
    );
  }

  async get(identifier: string): Promise<ResourceView> {
    const resource = await this.bus.request<ResourceView | null>(ResourceSubjects.Get, {
      identifier,
    } satisfies GetResourceRequest);
    if (!resource) throw new NotFound('no API resource with this identifier');
    return resource;
  }

  update(identifier: string, patch: JsonObject): Promise<ResourceView> {
    return this.bus.request<ResourceView>(ResourceSubjects.Update, {
      identifier,
      patch,
    } satisfies UpdateResourceRequest);
  }

  async delete(identifier: string): Promise<void> {
    await this.bus.request<unknown>(ResourceSubjects.Delete, {
      identifier,
    } satisfies DeleteResourceRequest);
  }
}
