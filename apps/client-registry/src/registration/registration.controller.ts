import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ClientSubjects,
  type CreateInitialAccessTokenRequest,
  type CreateInitialAccessTokenResponse,
  type ManageRegistrationRequest,
  type ManageRegistrationResponse,
  type RegisterClientRequest,
  type RegisterClientResponse,
} from '@latchkey/contracts';
import { RegistrationService } from './registration.service';

@Controller()
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @MessagePattern(ClientSubjects.CreateInitialAccessToken)
  createInitialAccessToken(
    @Payload() request: CreateInitialAccessTokenRequest,
  ): Promise<CreateInitialAccessTokenResponse> {
    return this.registration.createInitialAccessToken(request);
  }

  @MessagePattern(ClientSubjects.Register)
  register(@Payload() request: RegisterClientRequest): Promise<RegisterClientResponse> {
    return this.registration.register(request);
  }

  @MessagePattern(ClientSubjects.ManageRegistration)
  manage(@Payload() request: ManageRegistrationRequest): Promise<ManageRegistrationResponse> {
    return this.registration.manage(request);
  }
}
