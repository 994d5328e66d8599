import { Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { ClientView, ListClientsResponse } from '@latchkey/contracts';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { JsonObject, JsonObjectBody } from '../http/json-body';
import { PageQuery, PageQueryPipe } from '../http/page-query.pipe';
import { AdminApi } from './admin-api.decorator';
import {
  ClientDto,
  ClientMetadataDto,
  ClientPageDto,
  ClientPatchDto,
  ClientWithSecretDto,
  RotatedSecretDto,
  RotateSecretDto,
} from './client.dto';
import type { ClientWithSecret } from './client-view';
import { AdminClientsService } from './clients.service';

const CLIENT_ID = { name: 'client_id', description: 'The client_id' };
const BAD_METADATA = {
  type: OAuthErrorDto,
  description:
    'invalid_request (not a JSON object), invalid_client_metadata or invalid_redirect_uri (RFC 7591)',
};
const NOT_FOUND = { type: OAuthErrorDto, description: 'not_found: no such client' };

/** OAuth clients (RFC 7591 metadata), managed by an administrator. */
@ApiTags('clients')
@AdminApi()
@Controller('admin/clients')
export class AdminClientsController {
  constructor(private readonly clients: AdminClientsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a client',
    description: 'A confidential client gets a generated client_secret, shown only in this answer.',
  })
  @ApiBody({ type: ClientMetadataDto })
  @ApiCreatedResponse({ type: ClientWithSecretDto })
  @ApiBadRequestResponse(BAD_METADATA)
  create(@JsonObjectBody() metadata: JsonObject): Promise<ClientWithSecret> {
    return this.clients.create(metadata);
  }

  @Get()
  @ApiOperation({ summary: 'List clients, a page at a time' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: 'Page size' })
  @ApiQuery({
    name: 'cursor',
    required: false,
    type: String,
    description: 'next_cursor of the previous page',
  })
  @ApiOkResponse({ type: ClientPageDto })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: 'invalid_request: bad limit or cursor',
  })
  list(@Query(PageQueryPipe) page: PageQuery): Promise<ListClientsResponse> {
    return this.clients.list(page);
  }

  @Get(':client_id')
  @ApiOperation({ summary: 'Get a client' })
  @ApiParam(CLIENT_ID)
  @ApiOkResponse({ type: ClientDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('client_id') clientId: string): Promise<ClientView> {
    return this.clients.get(clientId);
  }

  @Patch(':client_id')
  @ApiOperation({
    summary: 'Update a client (JSON merge patch, RFC 7396)',
    description:
      'Absent fields keep their value; null resets a field to its default. ' +
      'Send application/json or application/merge-patch+json.',
  })
  @ApiParam(CLIENT_ID)
  @ApiBody({ type: ClientPatchDto })
  @ApiOkResponse({
    type: ClientWithSecretDto,
    description: 'client_secret only when the patch made the client confidential',
  })
  @ApiBadRequestResponse(BAD_METADATA)
  @ApiNotFoundResponse(NOT_FOUND)
  update(
    @Param('client_id') clientId: string,
    @JsonObjectBody() patch: JsonObject,
  ): Promise<ClientWithSecret> {
    return this.clients.update(clientId, patch);
  }

  @Delete(':client_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a client' })
  @ApiParam(CLIENT_ID)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse(NOT_FOUND)
  delete(@Param('client_id') clientId: string): Promise<void> {
    return this.clients.delete(clientId);
  }

  @Post(':client_id/secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the client secret',
    description:
      'Answers a new secret, shown only in this answer. The previous one keeps working for ' +
      'grace_period_seconds.',
  })
  @ApiParam(CLIENT_ID)
  @ApiBody({ type: RotateSecretDto, required: false })
  @ApiOkResponse({ type: RotatedSecretDto })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: 'invalid_request: bad grace_period_seconds, or a public client (no secret)',
  })
  @ApiNotFoundResponse(NOT_FOUND)
  rotateSecret(
    @Param('client_id') clientId: string,
    @JsonObjectBody({ optional: true }) body: JsonObject,
  ): Promise<ClientWithSecret> {
    return this.clients.rotateSecret(clientId, body);
  }
}
