import { Controller, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { CreateInitialAccessTokenResponse } from '@latchkey/contracts';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { JsonObject, JsonObjectBody } from '../http/json-body';
import { AdminApi } from './admin-api.decorator';
import { CreateInitialAccessTokenDto, InitialAccessTokenDto } from './initial-access-token.dto';
import { AdminClientsService } from './clients.service';

/** RFC 7591 §3 initial access tokens: what authorizes `POST /register`. */
@ApiTags('clients')
@AdminApi()
@Controller('admin/initial-access-tokens')
export class AdminInitialAccessTokensController {
  constructor(private readonly clients: AdminClientsService) {}

  @Post()
  @ApiOperation({
    summary: 'Issue an initial access token for dynamic client registration',
    description:
      'The token is shown only in this answer; send it as the Bearer token of POST /register.',
  })
  @ApiBody({ type: CreateInitialAccessTokenDto, required: false })
  @ApiCreatedResponse({ type: InitialAccessTokenDto })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: 'invalid_request: bad expires_in, max_uses or policy',
  })
  create(
    @JsonObjectBody({ optional: true }) body: JsonObject,
  ): Promise<CreateInitialAccessTokenResponse> {
    return this.clients.createInitialAccessToken(body);
  }
}
