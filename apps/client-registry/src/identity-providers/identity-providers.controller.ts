import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  IdentityProviderSubjects,
  type CreateIdentityProviderRequest,
  type DeleteIdentityProviderRequest,
  type EnabledIdentityProvidersResponse,
  type GetIdentityProviderRequest,
  type IdentityProviderView,
  type ListIdentityProvidersRequest,
  type ListIdentityProvidersResponse,
  type UpdateIdentityProviderRequest,
} from '@latchkey/contracts';
import { IdentityProvidersService } from './identity-providers.service';

/** `identity_providers.*`: upstream identity providers. */
@Controller()
export class IdentityProvidersController {
  constructor(private readonly providers: IdentityProvidersService) {}

  @MessagePattern(IdentityProviderSubjects.Create)
  create(@Payload() request: CreateIdentityProviderRequest): Promise<IdentityProviderView> {
    return this.providers.create(request);
  }

  @MessagePattern(IdentityProviderSubjects.Get)
  get(@Payload() request: GetIdentityProviderRequest): Promise<IdentityProviderView> {
    return this.providers.get(request);
  }

  @MessagePattern(IdentityProviderSubjects.List)
  list(@Payload() request: ListIdentityProvidersRequest): Promise<ListIdentityProvidersResponse> {
    return this.providers.list(request);
  }

  @MessagePattern(IdentityProviderSubjects.Enabled)
  enabled(): Promise<EnabledIdentityProvidersResponse> {
    return this.providers.enabled();
  }

  @MessagePattern(IdentityProviderSubjects.Update)
  update(@Payload() request: UpdateIdentityProviderRequest): Promise<IdentityProviderView> {
    return this.providers.update(request);
  }

  @MessagePattern(IdentityProviderSubjects.Delete)
  delete(@Payload() request: DeleteIdentityProviderRequest): Promise<null> {
    return this.providers.delete(request);
  }
}
