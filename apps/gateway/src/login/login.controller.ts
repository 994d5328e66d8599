import { All, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MethodNotAllowed } from '@latchkey/oauth-http';
import { browserRequestOf } from '../http/browser-request';
import { CookieJar } from '../http/cookie-jar';
import { seeOther } from '../http/redirect';
import { readFormBody } from '@latchkey/oauth-http';
import { InteractionFlow } from '../interaction/interaction-flow.service';
import { HtmlErrors } from '../pages/html-errors';
import { PageRenderer } from '../pages/page.renderer';

/** The login page of an interaction (docs/architecture.md §4: inputs `username` and `password`). */
@Controller('login')
@HtmlErrors()
export class LoginController {
  constructor(
    private readonly flow: InteractionFlow,
    private readonly cookies: CookieJar,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async form(
    @Req() req: Request,
    @Res() res: Response,
    @Query('interaction') interaction: unknown,
  ): Promise<void> {
    const id = typeof interaction === 'string' ? interaction : undefined;
    this.pages.send(res, await this.flow.loginPage(browserRequestOf(this.cookies, req, res), id));
  }

  @Post()
  async submit(@Req() req: Request, @Res() res: Response): Promise<void> {
    const browser = browserRequestOf(this.cookies, req, res);
    this.pages.answer(res, await this.flow.submitLogin(browser, readFormBody(req)));
  }

  /** "Continue with <provider>": the upstream sign-in of this interaction. */
  @Get('upstream/:provider')
  async upstream(
    @Req() req: Request,
    @Res() res: Response,
    @Param('provider') provider: string,
    @Query('interaction') interaction: unknown,
  ): Promise<void> {
    const id = typeof interaction === 'string' ? interaction : undefined;
    const browser = browserRequestOf(this.cookies, req, res);
    seeOther(res, await this.flow.startUpstream(browser, id, provider));
  }

  /** The upstream's authorization response (redirect_uri registered at the upstream). */
  @Get('upstream/:provider/callback')
  async upstreamCallback(
    @Req() req: Request,
    @Res() res: Response,
    @Param('provider') provider: string,
  ): Promise<void> {
    const browser = browserRequestOf(this.cookies, req, res);
    const query = req.query as Record<string, string | string[]>;
    seeOther(res, await this.flow.finishUpstream(browser, provider, query));
  }

  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['GET', 'POST']);
  }
}
