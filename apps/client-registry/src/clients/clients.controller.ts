import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ClientSubjects,
  type CreateClientRequest,
  type CorsOriginsResponse,
  type CreateClientResponse,
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
import { ClientsService } from './clients.service';

/** `clients.*` except dynamic registration. Payloads come off the bus and are checked by the service. */
@Controller()
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @MessagePattern(ClientSubjects.Get)
  get(@Payload() request: GetClientRequest): Promise<GetClientResponse> {
    return this.clients.get(request);
  }

  @MessagePattern(ClientSubjects.CorsOrigins)
  corsOrigins(): Promise<CorsOriginsResponse> {
    return this.clients.corsOrigins();
  }

  @MessagePattern(ClientSubjects.Create)
  create(@Payload() request: CreateClientRequest): Promise<CreateClientResponse> {
    return this.clients.create(request);
  }

  @MessagePattern(ClientSubjects.List)
  list(@Payload() request: ListClientsRequest): Promise<ListClientsResponse> {
    return this.clients.list(request);
  }

  @MessagePattern(ClientSubjects.Update)
  update(@Payload() request: UpdateClientRequest): Promise<UpdateClientResponse> {
    return this.clients.update(request);
  }

  @MessagePattern(ClientSubjects.Delete)
  delete(@Payload() request: DeleteClientRequest): Promise<null> {
    return this.clients.delete(request);
  }

  @MessagePattern(ClientSubjects.RotateSecret)
  rotateSecret(@Payload() request: RotateSecretRequest): Promise<RotateSecretResponse> {
    return this.clients.rotateSecret(request);
  }
}
