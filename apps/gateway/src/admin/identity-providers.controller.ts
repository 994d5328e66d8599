import { Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { IdentityProviderView, ListIdentityProvidersResponse } from '@latchkey/contracts';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { JsonObject, JsonObjectBody } from '../http/json-body';
import { PageQuery, PageQueryPipe } from '../http/page-query.pipe';
import { AdminApi } from './admin-api.decorator';
import {
  CreateIdentityProviderDto,
  IdentityProviderDto,
  IdentityProviderPageDto,
  IdentityProviderPatchDto,
} from './identity-provider.dto';
import { AdminIdentityProvidersService } from './identity-providers.service';

const ID = { name: 'id', description: 'The identity provider id' };
const BAD_PROVIDER = {
  type: OAuthErrorDto,
  description: 'invalid_request: the identity provider is not valid',
};
const NOT_FOUND = { type: OAuthErrorDto, description: 'not_found: no such identity provider' };

/**
 * Upstream identity providers users may sign in through (docs/identity-providers.md). The
 * client secret is write-only: answers say only whether one is stored.
 */
@ApiTags('identity-providers')
@AdminApi()
@Controller('admin/identity-providers')
export class AdminIdentityProvidersController {
  constructor(private readonly providers: AdminIdentityProvidersService) {}

  @Post()
  @ApiOperation({ summary: 'Register an upstream identity provider (OpenID Connect or OAuth 2.0)' })
  @ApiBody({ type: CreateIdentityProviderDto })
  @ApiCreatedResponse({ type: IdentityProviderDto })
  @ApiBadRequestResponse(BAD_PROVIDER)
  @ApiConflictResponse({ type: OAuthErrorDto, description: 'conflict: the id is taken' })
  create(@JsonObjectBody() provider: JsonObject): Promise<IdentityProviderView> {
    return this.providers.create(provider);
  }

  @Get()
  @ApiOperation({ summary: 'List identity providers, a page at a time' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: 'Page size' })
  @ApiQuery({
    name: 'cursor',
    required: false,
    type: String,
    description: 'next_cursor of the previous page',
  })
  @ApiOkResponse({ type: IdentityProviderPageDto })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: 'invalid_request: bad limit or cursor',
  })
  list(@Query(PageQueryPipe) page: PageQuery): Promise<ListIdentityProvidersResponse> {
    return this.providers.list(page);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an identity provider' })
  @ApiParam(ID)
  @ApiOkResponse({ type: IdentityProviderDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('id') id: string): Promise<IdentityProviderView> {
    return this.providers.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Update an identity provider (JSON merge patch, RFC 7396)',
    description:
      'Send application/json or application/merge-patch+json. client_secret replaces the ' +
      'stored secret; null removes it; absent keeps it.',
  })
  @ApiParam(ID)
  @ApiBody({ type: IdentityProviderPatchDto })
  @ApiOkResponse({ type: IdentityProviderDto })
  @ApiBadRequestResponse(BAD_PROVIDER)
  @ApiNotFoundResponse(NOT_FOUND)
  update(
    @Param('id') id: string,
    @JsonObjectBody() patch: JsonObject,
  ): Promise<IdentityProviderView> {
    return this.providers.update(id, patch);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an identity provider' })
  @ApiParam(ID)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse(NOT_FOUND)
  delete(@Param('id') id: string): Promise<void> {
    return this.providers.delete(id);
  }
}
