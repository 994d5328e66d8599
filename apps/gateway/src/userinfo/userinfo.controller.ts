import {
  All,
  Controller,
  Get,
  Header,
  HttpCode,
  Options,
  Post,
  Req,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { CORS_ENDPOINTS } from '@latchkey/oauth';
import { CorsForClient, CorsPolicy, MethodNotAllowed } from '@latchkey/oauth-http';
import type { UserinfoClaims } from '../users/user-claims';
import { readUserinfoToken, userinfoClientId } from './userinfo-request';
import { UserinfoService } from './userinfo.service';

/**
 * OIDC Core §5.3 UserInfo endpoint, GET and POST; errors carry the RFC 6750 challenge. Browser
 * apps may call it from an origin the token's client registered (docs/architecture.md §3).
 */
@Controller('userinfo')
@UseInterceptors(CorsForClient(userinfoClientId))
export class UserinfoController {
  constructor(
    private readonly userinfo: UserinfoService,
    private readonly cors: CorsPolicy,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  get(@Req() req: Request): Promise<UserinfoClaims> {
    return this.userinfo.claims(readUserinfoToken(req));
  }

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  post(@Req() req: Request): Promise<UserinfoClaims> {
    return this.userinfo.claims(readUserinfoToken(req));
  }

  @Options()
  preflight(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.cors.answerPreflight(req, res, CORS_ENDPOINTS.userinfo);
  }

  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['GET', 'POST']);
  }
}
