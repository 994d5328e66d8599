import { All, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MethodNotAllowed } from '../errors/edge-errors';
import { readFormBody } from '../http/form-body';
import { seeOther } from '../http/redirect';
import { HtmlErrors } from '../pages/html-errors';
import { PageRenderer } from '../pages/page.renderer';
import { LoginService } from './login.service';

/** The login page of an interaction (docs/architecture.md §4: inputs `username` and `password`). */
@Controller('login')
@HtmlErrors()
export class LoginController {
  constructor(
    private readonly login: LoginService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async form(
    @Req() req: Request,
    @Res() res: Response,
    @Query('interaction') interaction: unknown,
  ): Promise<void> {
    const id = typeof interaction === 'string' ? interaction : undefined;
    this.pages.send(res, await this.login.form(req, res, id));
  }

  @Post()
  async submit(@Req() req: Request, @Res() res: Response): Promise<void> {
    const outcome = await this.login.submit(req, res, readFormBody(req));
    if ('redirect' in outcome) seeOther(res, outcome.redirect);
    else this.pages.send(res, outcome.page);
  }

  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['GET', 'POST']);
  }
}
