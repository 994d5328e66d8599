import { All, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MethodNotAllowed } from '../errors/edge-errors';
import { readFormBody } from '../http/form-body';
import { seeOther } from '../http/redirect';
import { HtmlErrors } from '../pages/html-errors';
import { AuthorizationFlow } from './authorization-flow.service';

/**
 * The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2.1): GET, and form POST. Every
 * answer is a 303: to the login or consent page, or back to the client. Errors before the client
 * and redirect URI are proven are shown on the error page.
 */
@Controller('authorize')
@HtmlErrors()
export class AuthorizeController {
  constructor(private readonly flow: AuthorizationFlow) {}

  @Get()
  async get(@Req() req: Request, @Res() res: Response): Promise<void> {
    seeOther(res, await this.flow.authorize(req, res, req.query as Record<string, unknown>));
  }

  @Post()
  async post(@Req() req: Request, @Res() res: Response): Promise<void> {
    seeOther(res, await this.flow.park(req, res, readFormBody(req)));
  }

  /** Where a form-posted request continues with the browser's cookies. */
  @Get('resume')
  async resume(
    @Req() req: Request,
    @Res() res: Response,
    @Query('interaction') interaction: unknown,
  ): Promise<void> {
    const id = typeof interaction === 'string' ? interaction : undefined;
    seeOther(res, await this.flow.resume(req, res, id));
  }

  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['GET', 'POST']);
  }
}
