import { All, Controller, Post, Req, Res } from '@nestjs/common';
import type { IntrospectRequest } from '@latchkey/contracts';
import type { Request, Response } from 'express';
import { MethodNotAllowed } from '../errors/edge-errors';
import { FormTokenRequest } from '../token/token-request';
import { INTROSPECTION_JWT_MEDIA_TYPE, wantsIntrospectionJwt } from './introspection-accept';
import { IntrospectionEndpointService } from './introspection-endpoint.service';

@Controller('introspect')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionEndpointService) {}

  /**
   * RFC 7662 §2: a form POST with the client's credentials, as at /token; the answer is never
   * cached (it describes a token), and depends on Accept (RFC 9701 signed JWT or JSON).
   */
  @Post()
  async introspect(
    @FormTokenRequest() request: IntrospectRequest,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (wantsIntrospectionJwt(req.headers.accept)) request.want_jwt = true;
    const answer = await this.introspection.introspect(request);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.setHeader('Vary', 'Accept');
    if (answer.kind === 'jwt') {
      // A Buffer, so that Express adds no charset to the RFC 9701 media type.
      res.status(200).type(INTROSPECTION_JWT_MEDIA_TYPE).send(Buffer.from(answer.jwt, 'ascii'));
    } else {
      res.status(200).json(answer.body);
    }
  }

  /** RFC 7662 §2.1: POST only; anything else is refused as JSON, with `Allow`. */
  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['POST']);
  }
}
