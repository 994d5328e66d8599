import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { BearerToken } from '../auth/bearer-token';
import { ClientMetadataDto } from '../admin/client.dto';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { JsonObject, JsonObjectBody } from '../http/json-body';
import { NoStoreInterceptor } from '../http/no-store.interceptor';
import type { ClientRegistration } from './registration-response';
import { ClientRegistrationDto, ClientUpdateDto } from './registration.dto';
import { RegistrationService } from './registration.service';

/** OpenAPI names of the two Bearer tokens of dynamic registration. */
export const INITIAL_ACCESS_TOKEN = 'initial-access-token';
export const REGISTRATION_ACCESS_TOKEN = 'registration-access-token';

const CLIENT_ID = { name: 'client_id', description: 'The client_id of the registration' };
const BAD_METADATA = {
  type: OAuthErrorDto,
  description: 'invalid_client_metadata or invalid_redirect_uri (RFC 7591 §3.2.2), invalid_request',
};
const BAD_REGISTRATION_TOKEN = {
  type: OAuthErrorDto,
  description: 'invalid_token: no registration access token, a wrong one, or an unknown client',
};

/** RFC 7591 dynamic client registration and RFC 7592 registration management. */
@ApiTags('registration')
@ApiServiceUnavailableResponse({ type: OAuthErrorDto, description: 'temporarily_unavailable' })
@UseInterceptors(NoStoreInterceptor)
@Controller('register')
export class RegistrationController {
  constructor(private readonly registrations: RegistrationService) {}

  @Post()
  @ApiOperation({
    summary: 'Register a client (RFC 7591)',
    description: 'Authorized by an initial access token from POST /admin/initial-access-tokens.',
  })
  @ApiBearerAuth(INITIAL_ACCESS_TOKEN)
  @ApiBody({ type: ClientMetadataDto })
  @ApiCreatedResponse({ type: ClientRegistrationDto })
  @ApiBadRequestResponse(BAD_METADATA)
  @ApiUnauthorizedResponse({
    type: OAuthErrorDto,
    description: 'invalid_token: no initial access token, or not a valid one',
  })
  register(
    @BearerToken() initialAccessToken: string,
    @JsonObjectBody() metadata: JsonObject,
  ): Promise<ClientRegistration> {
    return this.registrations.register(initialAccessToken, metadata);
  }

  @Get(':client_id')
  @ApiOperation({ summary: 'Read a registration (RFC 7592 §2.1)' })
  @ApiBearerAuth(REGISTRATION_ACCESS_TOKEN)
  @ApiParam(CLIENT_ID)
  @ApiOkResponse({ type: ClientRegistrationDto })
  @ApiUnauthorizedResponse(BAD_REGISTRATION_TOKEN)
  read(
    @BearerToken() registrationAccessToken: string,
    @Param('client_id') clientId: string,
  ): Promise<ClientRegistration> {
    return this.registrations.read(clientId, registrationAccessToken);
  }

  @Put(':client_id')
  @ApiOperation({
    summary: 'Replace a registration (RFC 7592 §2.2)',
    description: 'The body replaces all metadata: omitted fields return to their defaults.',
  })
  @ApiBearerAuth(REGISTRATION_ACCESS_TOKEN)
  @ApiParam(CLIENT_ID)
  @ApiBody({ type: ClientUpdateDto })
  @ApiOkResponse({ type: ClientRegistrationDto })
  @ApiBadRequestResponse(BAD_METADATA)
  @ApiUnauthorizedResponse(BAD_REGISTRATION_TOKEN)
  update(
    @BearerToken() registrationAccessToken: string,
    @Param('client_id') clientId: string,
    @JsonObjectBody() metadata: JsonObject,
  ): Promise<ClientRegistration> {
    return this.registrations.update(clientId, registrationAccessToken, metadata);
  }

  @Delete(':client_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a registration (RFC 7592 §2.3)' })
  @ApiBearerAuth(REGISTRATION_ACCESS_TOKEN)
  @ApiParam(CLIENT_ID)
  @ApiNoContentResponse({ description: 'Deleted; the client and its tokens no longer work' })
  @ApiUnauthorizedResponse(BAD_REGISTRATION_TOKEN)
  delete(
    @BearerToken() registrationAccessToken: string,
    @Param('client_id') clientId: string,
  ): Promise<void> {
    return this.registrations.delete(clientId, registrationAccessToken);
  }
}
