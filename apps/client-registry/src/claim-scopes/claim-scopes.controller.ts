import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type AllClaimScopesResponse,
  ClaimScopeSubjects,
  type ClaimScopeView,
  type CreateClaimScopeRequest,
  type DeleteClaimScopeRequest,
  type GetClaimScopeRequest,
  type ListClaimScopesRequest,
  type ListClaimScopesResponse,
  type UpdateClaimScopeRequest,
} from '@latchkey/contracts';
import { ClaimScopesService } from './claim-scopes.service';

/** `claim_scopes.*`: scopes that release claims read from user attributes. */
@Controller()
export class ClaimScopesController {
  constructor(private readonly scopes: ClaimScopesService) {}

  @MessagePattern(ClaimScopeSubjects.Create)
  create(@Payload() request: CreateClaimScopeRequest): Promise<ClaimScopeView> {
    return this.scopes.create(request);
  }

  @MessagePattern(ClaimScopeSubjects.Get)
  get(@Payload() request: GetClaimScopeRequest): Promise<ClaimScopeView> {
    return this.scopes.get(request);
  }

  @MessagePattern(ClaimScopeSubjects.List)
  list(@Payload() request: ListClaimScopesRequest): Promise<ListClaimScopesResponse> {
    return this.scopes.list(request);
  }

  @MessagePattern(ClaimScopeSubjects.All)
  all(): Promise<AllClaimScopesResponse> {
    return this.scopes.all();
  }

  @MessagePattern(ClaimScopeSubjects.Update)
  update(@Payload() request: UpdateClaimScopeRequest): Promise<ClaimScopeView> {
    return this.scopes.update(request);
  }

  @MessagePattern(ClaimScopeSubjects.Delete)
  delete(@Payload() request: DeleteClaimScopeRequest): Promise<null> {
    return this.scopes.delete(request);
  }
}
