import { All, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MethodNotAllowed } from '../errors/edge-errors';
import { readFormBody } from '../http/form-body';
import { seeOther } from '../http/redirect';
import { HtmlErrors } from '../pages/html-errors';
import { PageRenderer } from '../pages/page.renderer';
import { ConsentService } from './consent.service';

/** The consent page (docs/architecture.md §4: buttons `decision=allow` / `decision=deny`). */
@Controller('consent')
@HtmlErrors()
export class ConsentController {
  constructor(
    private readonly consent: ConsentService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async form(
    @Req() req: Request,
    @Res() res: Response,
    @Query('interaction') interaction: unknown,
  ): Promise<void> {
    const id = typeof interaction === 'string' ? interaction : undefined;
    const outcome = await this.consent.form(req, res, id);
    if ('redirect' in outcome) seeOther(res, outcome.redirect);
    else this.pages.send(res, outcome.page);
  }

  @Post()
  async decide(@Req() req: Request, @Res() res: Response): Promise<void> {
    seeOther(res, await this.consent.decide(req, res, readFormBody(req)));
  }

  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['GET', 'POST']);
  }
}
