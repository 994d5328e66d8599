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
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdminApi } from '../admin/admin-api.decorator';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { JsonObjectBody } from '../http/json-body';
import type { UserPage, UserView } from './user';
import { UserAdminService } from './user-admin.service';
import { UserBodyPipe } from './user-body.pipe';
import { CreateUserDto, UpdateUserDto, UserDto, UserPageDto } from './user.dto';
import { UserListQuery, UserListQueryPipe } from './user-list.query';

const ID = { name: 'id', description: 'The user id (the OIDC sub)' };
const BAD_BODY = {
  type: OAuthErrorDto,
  description: 'invalid_request: not a JSON object, an unknown field, or a field not valid (named)',
};
const NOT_FOUND = { type: OAuthErrorDto, description: 'not_found: no such user' };
const TAKEN = { type: OAuthErrorDto, description: 'conflict: the username is taken (any case)' };
const ACCESS_NOT_ENDED = {
  type: OAuthErrorDto,
  description:
    'temporarily_unavailable: the user is disabled, but their grants or sessions could not all ' +
    'be ended yet; send the same request again',
};

/** User accounts (docs/architecture.md §4), managed by an administrator. */
@ApiTags('users')
@AdminApi()
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: UserAdminService) {}

  @Post()
  @ApiOperation({ summary: 'Create a user' })
  @ApiBody({ type: CreateUserDto })
  @ApiCreatedResponse({ type: UserDto })
  @ApiBadRequestResponse(BAD_BODY)
  @ApiConflictResponse(TAKEN)
  create(@JsonObjectBody(new UserBodyPipe(CreateUserDto)) input: CreateUserDto): Promise<UserView> {
    return this.users.create(input);
  }

  @Get()
  @ApiOperation({ summary: 'List users in creation order, a page at a time' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: 'Page size, 1-200 (50)' })
  @ApiQuery({
    name: 'cursor',
    required: false,
    type: String,
    description: 'next_cursor of the previous page',
  })
  @ApiQuery({
    name: 'username',
    required: false,
    type: String,
    description: 'Only the user with this username (any case)',
  })
  @ApiOkResponse({ type: UserPageDto })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: 'invalid_request: bad limit or cursor',
  })
  list(@Query(UserListQueryPipe) query: UserListQuery): Promise<UserPage> {
    return this.users.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a user' })
  @ApiParam(ID)
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('id') id: string): Promise<UserView> {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Update a user (JSON merge patch, RFC 7396)',
    description:
      'Absent fields keep their value; null clears a profile field. disabled: true ends the ' +
      "user's grants and SSO sessions. Send application/json or application/merge-patch+json.",
  })
  @ApiParam(ID)
  @ApiBody({ type: UpdateUserDto })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse(BAD_BODY)
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse(TAKEN)
  @ApiServiceUnavailableResponse(ACCESS_NOT_ENDED)
  update(
    @Param('id') id: string,
    @JsonObjectBody(new UserBodyPipe(UpdateUserDto)) patch: UpdateUserDto,
  ): Promise<UserView> {
    return this.users.update(id, patch);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user',
    description: "Ends the user's grants and SSO sessions first.",
  })
  @ApiParam(ID)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiServiceUnavailableResponse(ACCESS_NOT_ENDED)
  delete(@Param('id') id: string): Promise<void> {
    return this.users.delete(id);
  }
}
