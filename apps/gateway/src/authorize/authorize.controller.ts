import { All, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MethodNotAllowed } from '@latchkey/oauth-http';
import { browserRequestOf } from '../http/browser-request';
import { CookieJar } from '../http/cookie-jar';
import { readFormBody } from '@latchkey/oauth-http';
import { seeOther } from '../http/redirect';
import { InteractionFlow } from '../interaction/interaction-flow.service';
import { HtmlErrors } from '../pages/html-errors';

/**
 * The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2.1): GET, and form POST. Every
 * answer is a 303: to the login or consent page, or back to the client. Errors before the client
 * and redirect URI are proven are shown on the error page.
 */
@Controller('authorize')
@HtmlErrors()
export class AuthorizeController {
  constructor(
    private readonly flow: InteractionFlow,
    private readonly cookies: CookieJar,
  ) {}

  @Get()
  async get(@Req() req: Request, @Res() res: Response): Promise<void> {
    const browser = browserRequestOf(this.cookies, req, res);
    seeOther(res, await this.flow.authorize(browser, req.query as Record<string, unknown>));
  }

  @Post()
  async post(@Req() req: Request, @Res() res: Response): Promise<void> {
    const browser = browserRequestOf(this.cookies, req, res);
    seeOther(res, await this.flow.park(browser, readFormBody(req)));
  }

  /** Where a form-posted request continues with the browser's cookies. */
  @Get('resume')
  async resume(
    @Req() req: Request,
    @Res() res: Response,
    @Query('interaction') interaction: unknown,
  ): Promise<void> {
    const id = typeof interaction === 'string' ? interaction : undefined;
    seeOther(res, await this.flow.resume(browserRequestOf(this.cookies, req, res), id));
  }

  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['GET', 'POST']);
  }
}
