import { All, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MethodNotAllowed } from '../errors/edge-errors';
import { readFormBody } from '../http/form-body';
import { seeOther } from '../http/redirect';
import { HtmlErrors } from '../pages/html-errors';
import { PageRenderer } from '../pages/page.renderer';
import { LogoutService, type LogoutOutcome } from './logout.service';

/** OIDC RP-Initiated Logout 1.0: `GET` and form `POST /logout`, and the confirmation form. */
@Controller('logout')
@HtmlErrors()
export class LogoutController {
  constructor(
    private readonly logout: LogoutService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async get(@Req() req: Request, @Res() res: Response): Promise<void> {
    this.answer(res, await this.logout.logout(req, res, req.query as Record<string, unknown>));
  }

  @Post()
  post(@Req() req: Request, @Res() res: Response): void {
    seeOther(res, this.logout.forward(readFormBody(req)));
  }

  @Post('confirm')
  async confirm(@Req() req: Request, @Res() res: Response): Promise<void> {
    this.answer(res, await this.logout.confirm(req, res, readFormBody(req)));
  }

  @All('confirm')
  otherConfirmMethods(): never {
    throw new MethodNotAllowed(['POST']);
  }

  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['GET', 'POST']);
  }

  private answer(res: Response, outcome: LogoutOutcome): void {
    if ('redirect' in outcome) seeOther(res, outcome.redirect);
    else this.pages.send(res, outcome.page);
  }
}
