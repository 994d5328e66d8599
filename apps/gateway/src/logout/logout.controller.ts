import { All, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MethodNotAllowed } from '@latchkey/oauth-http';
import { browserRequestOf } from '../http/browser-request';
import { CookieJar } from '../http/cookie-jar';
import { readFormBody } from '@latchkey/oauth-http';
import { seeOther } from '../http/redirect';
import { HtmlErrors } from '../pages/html-errors';
import { PageRenderer } from '../pages/page.renderer';
import { LogoutService } from './logout.service';

/** OIDC RP-Initiated Logout 1.0: `GET` and form `POST /logout`, and the confirmation form. */
@Controller('logout')
@HtmlErrors()
export class LogoutController {
  constructor(
    private readonly logout: LogoutService,
    private readonly cookies: CookieJar,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async get(@Req() req: Request, @Res() res: Response): Promise<void> {
    const browser = browserRequestOf(this.cookies, req, res);
    this.pages.answer(res, await this.logout.logout(browser, req.query as Record<string, unknown>));
  }

  @Post()
  post(@Req() req: Request, @Res() res: Response): void {
    seeOther(res, this.logout.forward(readFormBody(req)));
  }

  @Post('confirm')
  async confirm(@Req() req: Request, @Res() res: Response): Promise<void> {
    const browser = browserRequestOf(this.cookies, req, res);
    this.pages.answer(res, await this.logout.confirm(browser, readFormBody(req)));
  }

  @All('confirm')
  otherConfirmMethods(): never {
    throw new MethodNotAllowed(['POST']);
  }

  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['GET', 'POST']);
  }
}
