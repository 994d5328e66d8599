import { applyDecorators, Injectable, PipeTransform, type Type } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiQuery } from '@nestjs/swagger';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { InvalidRequest, readSingleParams } from '@latchkey/oauth';

/** One page of a list: at most `limit` items after the opaque `cursor` of the previous page. */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}

/**
 * `?limit=&cursor=` of the admin lists, each at most once, limit as a number. The service that
 * owns the list applies its own default and maximum and checks the cursor is one of its own.
 */
@Injectable()
export class PageQueryPipe implements PipeTransform<unknown, PageQuery> {
  transform(query: unknown): PageQuery {
    const { limit, cursor } = readSingleParams(query as Record<string, unknown> | undefined, [
      'limit',
      'cursor',
    ]);
    const page: PageQuery = {};
    if (limit !== undefined) page.limit = readLimit(limit);
    if (cursor !== undefined) page.cursor = cursor;
    return page;
  }
}

function readLimit(limit: string): number {
  if (!/^[1-9][0-9]{0,5}$/.test(limit)) {
    throw new InvalidRequest('limit must be a positive integer');
  }
  return Number(limit);
}

/** The OpenAPI description of an admin list: `limit`, `cursor`, the page, a bad query's 400. */
export function ApiPage(page: Type<unknown>): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'limit', required: false, type: Number, description: 'Page size' }),
    ApiQuery({
      name: 'cursor',
      required: false,
      type: String,
      description: 'next_cursor of the previous page',
    }),
    ApiOkResponse({ type: page }),
    ApiBadRequestResponse({
      type: OAuthErrorDto,
      description: 'invalid_request: bad limit or cursor',
    }),
  );
}
