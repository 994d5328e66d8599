import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { ListUserGrantsResponse, RevokeUserGrantsResponse } from '@latchkey/contracts';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { AdminApi } from './admin-api.decorator';
import {
  ConsentListDto,
  EndedSessionsDto,
  GrantListDto,
  RevokedGrantsDto,
  SessionListDto,
  type ConsentDto,
  type SessionDto,
} from './grants.dto';
import { AdminGrantsService } from './grants.service';

const USER_ID = { name: 'id', description: 'The user id (the OIDC sub)' };
const NO_USER = { type: OAuthErrorDto, description: 'not_found: no such user' };

/** What a user holds: grants, SSO sessions and remembered consents, and ending them. */
@ApiTags('users')
@AdminApi()
@Controller('admin/users/:id')
export class AdminUserGrantsController {
  constructor(private readonly grants: AdminGrantsService) {}

  @Get('grants')
  @ApiOperation({
    summary: "List a user's grants",
    description:
      'One grant per authorization of a client (revoked ones included, with revoked_at).',
  })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: GrantListDto })
  @ApiNotFoundResponse(NO_USER)
  listGrants(@Param('id') id: string): Promise<ListUserGrantsResponse> {
    return this.grants.listGrants(id);
  }

  @Delete('grants')
  @ApiOperation({
    summary: "Revoke all of a user's grants",
    description:
      'Their refresh tokens stop working at once, and their access tokens at userinfo; JWT ' +
      'access tokens held by resource servers live until they expire.',
  })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: RevokedGrantsDto })
  @ApiNotFoundResponse(NO_USER)
  revokeGrants(@Param('id') id: string): Promise<RevokeUserGrantsResponse> {
    return this.grants.revokeGrants(id);
  }

  @Get('sessions')
  @ApiOperation({ summary: "List a user's active SSO sessions" })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: SessionListDto })
  @ApiNotFoundResponse(NO_USER)
  listSessions(@Param('id') id: string): Promise<{ items: SessionDto[] }> {
    return this.grants.listSessions(id);
  }

  @Delete('sessions')
  @ApiOperation({
    summary: "End all of a user's SSO sessions",
    description:
      'As a logout of each: the user must sign in again everywhere, tokens issued in the ' +
      'sessions end (offline_access grants stay), and clients with a backchannel_logout_uri ' +
      'are sent a logout token.',
  })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: EndedSessionsDto })
  @ApiNotFoundResponse(NO_USER)
  @ApiServiceUnavailableResponse({
    type: OAuthErrorDto,
    description:
      'temporarily_unavailable: the sessions have ended, but the token service could not be ' +
      "told about all of them; revoke the user's grants to end their tokens",
  })
  endSessions(@Param('id') id: string): Promise<{ ended: number }> {
    return this.grants.endSessions(id);
  }

  @Get('consents')
  @ApiOperation({ summary: "List a user's remembered consents" })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: ConsentListDto })
  @ApiNotFoundResponse(NO_USER)
  listConsents(@Param('id') id: string): Promise<{ items: ConsentDto[] }> {
    return this.grants.listConsents(id);
  }

  @Delete('consents/:client_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Withdraw a remembered consent',
    description:
      'The user is asked for consent again at the next authorization, and the client loses ' +
      'its grants from this user (their refresh tokens are revoked).',
  })
  @ApiParam(USER_ID)
  @ApiParam({ name: 'client_id', description: 'The client the consent was given to' })
  @ApiNoContentResponse({ description: 'Withdrawn' })
  @ApiNotFoundResponse({
    type: OAuthErrorDto,
    description: 'not_found: no such user, or no remembered consent for this client',
  })
  @ApiServiceUnavailableResponse({
    type: OAuthErrorDto,
    description:
      "temporarily_unavailable: the client's grants could not be revoked; the consent is kept, " +
      'send the same request again',
  })
  withdrawConsent(@Param('id') id: string, @Param('client_id') clientId: string): Promise<void> {
    return this.grants.withdrawConsent(id, clientId);
  }
}

/** One grant by its id. */
@ApiTags('users')
@AdminApi()
@Controller('admin/grants')
export class AdminGrantsController {
  constructor(private readonly grants: AdminGrantsService) {}

  @Delete(':grant_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke a grant',
    description: 'Its refresh tokens stop working at once.',
  })
  @ApiParam({ name: 'grant_id', description: 'The grant id (from the user grant list)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ type: OAuthErrorDto, description: 'not_found: no such grant' })
  revokeGrant(@Param('grant_id') grantId: string): Promise<void> {
    return this.grants.revokeGrant(grantId);
  }
}
