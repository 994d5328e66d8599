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
  ApiTags,
} from '@nestjs/swagger';
import type { ClaimScopeView, ListClaimScopesResponse } from '@latchkey/contracts';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { JsonObject, JsonObjectBody } from '../http/json-body';
import { ApiPage, PageQuery, PageQueryPipe } from '../http/page-query.pipe';
import { AdminApi } from './admin-api.decorator';
import {
  ClaimScopeDto,
  ClaimScopePageDto,
  ClaimScopePatchDto,
  CreateClaimScopeDto,
} from './claim-scope.dto';
import { AdminClaimScopesService } from './claim-scopes.service';

const NAME = { name: 'name', description: 'The scope token' };
const BAD_SCOPE = {
  type: OAuthErrorDto,
  description: 'invalid_request: the claim scope is not valid (the field is named)',
};
const NOT_FOUND = { type: OAuthErrorDto, description: 'not_found: no such claim scope' };

/** Claim scopes: the claim mapping, scope → claims → user attributes (docs/architecture.md §7). */
@ApiTags('claim scopes')
@AdminApi()
@Controller('admin/claim-scopes')
export class AdminClaimScopesController {
  constructor(private readonly scopes: AdminClaimScopesService) {}

  @Post()
  @ApiOperation({ summary: 'Create a claim scope' })
  @ApiBody({ type: CreateClaimScopeDto })
  @ApiCreatedResponse({ type: ClaimScopeDto })
  @ApiBadRequestResponse(BAD_SCOPE)
  @ApiConflictResponse({
    type: OAuthErrorDto,
    description: 'conflict: the name is taken, by a claim scope or an API scope',
  })
  create(@JsonObjectBody() scope: JsonObject): Promise<ClaimScopeView> {
    return this.scopes.create(scope);
  }

  @Get()
  @ApiOperation({ summary: 'List claim scopes, a page at a time' })
  @ApiPage(ClaimScopePageDto)
  list(@Query(PageQueryPipe) page: PageQuery): Promise<ListClaimScopesResponse> {
    return this.scopes.list(page);
  }

  @Get(':name')
  @ApiOperation({ summary: 'Get a claim scope' })
  @ApiParam(NAME)
  @ApiOkResponse({ type: ClaimScopeDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('name') name: string): Promise<ClaimScopeView> {
    return this.scopes.get(name);
  }

  @Patch(':name')
  @ApiOperation({
    summary: 'Update a claim scope (JSON merge patch, RFC 7396)',
    description: 'Send application/json or application/merge-patch+json.',
  })
  @ApiParam(NAME)
  @ApiBody({ type: ClaimScopePatchDto })
  @ApiOkResponse({ type: ClaimScopeDto })
  @ApiBadRequestResponse(BAD_SCOPE)
  @ApiNotFoundResponse(NOT_FOUND)
  update(
    @Param('name') name: string,
    @JsonObjectBody() patch: JsonObject,
  ): Promise<ClaimScopeView> {
    return this.scopes.update(name, patch);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a claim scope' })
  @ApiParam(NAME)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse(NOT_FOUND)
  delete(@Param('name') name: string): Promise<void> {
    return this.scopes.delete(name);
  }
}
