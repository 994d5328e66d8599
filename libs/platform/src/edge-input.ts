import {
  DynamicModule,
  Inject,
  Injectable,
  MiddlewareConsumer,
  Module,
  NestMiddleware,
  NestModule,
  RequestMethod,
} from '@nestjs/common';
import { checkRequestInput, isUtf8FormText, jsonNestsDeeperThan } from '@latchkey/oauth';
import type { NextFunction, Request, Response } from 'express';
import { isUtf8 } from 'node:buffer';

/**
 * Input rules at the HTTP edge (docs/architecture.md §3, Errors), for any Nest HTTP application
 * of the platform: the body parsers' `verify` steps (startService installs them) and one
 * middleware over every route that applies `checkRequestInput` from libs/oauth to the path, the
 * query, the parsed body and Basic credentials before any handler runs.
 */

const UNDECODABLE_BODY = Symbol('latchkey.undecodableBody');
type MarkedRequest = Request & { [UNDECODABLE_BODY]?: true };

/** A body refused while parsing; body-parser keeps `status`, the platform answers it as 400. */
function refusedBody(message: string): Error {
  return Object.assign(new Error(message), { status: 400, expose: false });
}

/**
 * JSON bodies: UTF-8 only (the parser would put U+FFFD in place of a bad byte) and nested no
 * deeper than MAX_JSON_DEPTH, checked on the bytes before the parser builds anything.
 */
export function verifyJsonBody(_req: Request, _res: Response, buf: Buffer): void {
  if (!isUtf8(buf)) throw refusedBody('the JSON body is not valid UTF-8');
  if (jsonNestsDeeperThan(buf)) throw refusedBody('the JSON body nests too deep');
}

/**
 * Form bodies: raw bytes and percent-encoded ones must be UTF-8. The request is only marked, so
 * that the edge middleware refuses it with the endpoint's own answer (an error page on a page).
 */
export function verifyFormBody(req: Request, _res: Response, buf: Buffer): void {
  if (!isUtf8(buf) || !isUtf8FormText(buf.toString('utf8'))) {
    (req as MarkedRequest)[UNDECODABLE_BODY] = true;
  }
}

export interface EdgeInputOptions {
  /**
   * Browser-facing paths (and everything under them), whose refusals are shown on a page:
   * `mark` tells the application's exception filter so before the error is thrown.
   */
  pages?: { paths: readonly string[]; mark: (req: Request) => void };
}

const EDGE_INPUT_OPTIONS = Symbol('EDGE_INPUT_OPTIONS');

@Injectable()
export class EdgeInputMiddleware implements NestMiddleware {
  constructor(@Inject(EDGE_INPUT_OPTIONS) private readonly options: EdgeInputOptions) {}

  use(req: Request, _res: Response, next: NextFunction): void {
    const url = req.originalUrl ?? req.url;
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    try {
      checkRequestInput({
        path,
        query: queryAt < 0 ? '' : url.slice(queryAt + 1),
        body: req.body as unknown,
        bodyUndecodable: (req as MarkedRequest)[UNDECODABLE_BODY] === true,
        authorization: req.headers.authorization,
      });
    } catch (err) {
      if (this.isPage(path)) this.options.pages?.mark(req);
      throw err;
    }
    next();
  }

  private isPage(path: string): boolean {
    return (this.options.pages?.paths ?? []).some(
      (page) => path === page || path.startsWith(`${page}/`),
    );
  }
}

/** Registered once by an HTTP application: its every route gets the edge input check. */
@Module({})
export class EdgeInputModule implements NestModule {
  static forRoot(options: EdgeInputOptions = {}): DynamicModule {
    return {
      module: EdgeInputModule,
      providers: [{ provide: EDGE_INPUT_OPTIONS, useValue: options }, EdgeInputMiddleware],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(EdgeInputMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
