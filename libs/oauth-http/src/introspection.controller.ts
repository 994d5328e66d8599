import { All, Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import type {
  IntrospectionJwtResponse,
  IntrospectionResponse,
  IntrospectRequest,
} from '@latchkey/contracts';
import type { Request, Response } from 'express';
import { MethodNotAllowed } from './edge-errors';
import { IntrospectionEndpoint } from './endpoints';
import { INTROSPECTION_JWT_MEDIA_TYPE, wantsIntrospectionJwt } from './introspection-accept';
import { OAuthErrorFilter } from './oauth-error.filter';
import { FormTokenRequest } from './token-request';

@Controller('introspect')
@UseFilters(OAuthErrorFilter)
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionEndpoint) {}

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
    const wantJwt = wantsIntrospectionJwt(req.headers.accept);
    if (wantJwt) request.want_jwt = true;
    const answer = await this.introspection.introspect(request);
    if (isJwtResponse(answer) && !wantJwt) {
      throw new Error('the introspection answer is a JWT nobody asked for');
    }
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.setHeader('Vary', 'Accept');
    if (isJwtResponse(answer)) {
      // A Buffer, so that Express adds no charset to the RFC 9701 media type.
      res.status(200).type(INTROSPECTION_JWT_MEDIA_TYPE).send(Buffer.from(answer.jwt, 'ascii'));
    } else {
      res.status(200).json(answer);
    }
  }

  /** RFC 7662 §2.1: POST only; anything else is refused as JSON, with `Allow`. */
  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['POST']);
  }
}

function isJwtResponse(
  answer: IntrospectionResponse | IntrospectionJwtResponse,
): answer is IntrospectionJwtResponse {
  return typeof (answer as Partial<IntrospectionJwtResponse>).jwt === 'string';
}
