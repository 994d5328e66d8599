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
import type { ListResourcesResponse, ResourceView } from '@latchkey/contracts';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { JsonObject, JsonObjectBody } from '../http/json-body';
import { ApiPage, PageQuery, PageQueryPipe } from '../http/page-query.pipe';
import { AdminApi } from './admin-api.decorator';
import { CreateResourceDto, ResourceDto, ResourcePageDto, ResourcePatchDto } from './resource.dto';
import { AdminResourcesService } from './resources.service';

const IDENTIFIER = {
  name: 'identifier',
  description: 'The resource identifier (a URI), URL-encoded: https%3A%2F%2Fapi.example.com',
};
const BAD_RESOURCE = {
  type: OAuthErrorDto,
  description: 'invalid_request: the resource is not valid',
};
const NOT_FOUND = { type: OAuthErrorDto, description: 'not_found: no such resource' };

/** API resources (resource servers): the audiences and scopes access tokens can be issued for. */
@ApiTags('resources')
@AdminApi()
@Controller('admin/resources')
export class AdminResourcesController {
  constructor(private readonly resources: AdminResourcesService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API resource' })
  @ApiBody({ type: CreateResourceDto })
  @ApiCreatedResponse({ type: ResourceDto })
  @ApiBadRequestResponse(BAD_RESOURCE)
  @ApiConflictResponse({ type: OAuthErrorDto, description: 'conflict: the identifier is taken' })
  create(@JsonObjectBody() resource: JsonObject): Promise<ResourceView> {
    return this.resources.create(resource);
  }

  @Get()
  @ApiOperation({ summary: 'List API resources, a page at a time' })
  @ApiPage(ResourcePageDto)
  list(@Query(PageQueryPipe) page: PageQuery): Promise<ListResourcesResponse> {
    return this.resources.list(page);
  }

  @Get(':identifier')
  @ApiOperation({ summary: 'Get an API resource' })
  @ApiParam(IDENTIFIER)
  @ApiOkResponse({ type: ResourceDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('identifier') identifier: string): Promise<ResourceView> {
    return this.resources.get(identifier);
  }

  @Patch(':identifier')
  @ApiOperation({
    summary: 'Update an API resource (JSON merge patch, RFC 7396)',
    description: 'Send application/json or application/merge-patch+json.',
  })
  @ApiParam(IDENTIFIER)
  @ApiBody({ type: ResourcePatchDto })
  @ApiOkResponse({ type: ResourceDto })
  @ApiBadRequestResponse(BAD_RESOURCE)
  @ApiNotFoundResponse(NOT_FOUND)
  update(
    @Param('identifier') identifier: string,
    @JsonObjectBody() patch: JsonObject,
  ): Promise<ResourceView> {
    return this.resources.update(identifier, patch);
  }

  @Delete(':identifier')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an API resource' })
  @ApiParam(IDENTIFIER)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse(NOT_FOUND)
  delete(@Param('identifier') identifier: string): Promise<void> {
    return this.resources.delete(identifier);
  }
}
