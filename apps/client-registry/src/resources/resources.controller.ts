import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type AllResourcesResponse,
  type CreateResourceRequest,
  type DeleteResourceRequest,
  type GetResourceRequest,
  type ListResourcesRequest,
  type ListResourcesResponse,
  ResourceSubjects,
  type ResourceView,
  type UpdateResourceRequest,
} from '@latchkey/contracts';
import { ResourcesService } from './resources.service';

/** `resources.*`: API resources (audiences) and the scopes they define. */
@Controller()
export class ResourcesController {
  constructor(private readonly resources: ResourcesService) {}

  @MessagePattern(ResourceSubjects.Create)
  create(@Payload() request: CreateResourceRequest): Promise<ResourceView> {
    return this.resources.create(request);
  }

  @MessagePattern(ResourceSubjects.Get)
  get(@Payload() request: GetResourceRequest): Promise<ResourceView> {
    return this.resources.get(request);
  }

  @MessagePattern(ResourceSubjects.List)
  list(@Payload() request: ListResourcesRequest): Promise<ListResourcesResponse> {
    return this.resources.list(request);
  }

  @MessagePattern(ResourceSubjects.All)
  all(): Promise<AllResourcesResponse> {
    return this.resources.all();
  }

  @MessagePattern(ResourceSubjects.Update)
  update(@Payload() request: UpdateResourceRequest): Promise<ResourceView> {
    return this.resources.update(request);
  }

  @MessagePattern(ResourceSubjects.Delete)
  delete(@Payload() request: DeleteResourceRequest): Promise<null> {
    return this.resources.delete(request);
  }
}
