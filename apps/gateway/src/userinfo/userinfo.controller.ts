import { All, Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { MethodNotAllowed } from '@latchkey/oauth-http';
import type { StandardClaims } from '../users/user-claims';
import { readUserinfoToken } from './userinfo-request';
import { UserinfoService } from './userinfo.service';

/** OIDC Core §5.3 UserInfo endpoint, GET and POST; errors carry the RFC 6750 challenge. */
@Controller('userinfo')
export class UserinfoController {
  constructor(private readonly userinfo: UserinfoService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  get(@Req() req: Request): Promise<StandardClaims> {
    return this.userinfo.claims(readUserinfoToken(req));
  }

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  post(@Req() req: Request): Promise<StandardClaims> {
    return this.userinfo.claims(readUserinfoToken(req));
  }

  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['GET', 'POST']);
  }
}
