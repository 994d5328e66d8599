import { Injectable, PipeTransform } from '@nestjs/common';
import { DEFAULT_PAGE_SIZE, decodeSeqCursor, MAX_PAGE_SIZE } from '@latchkey/core';
import { InvalidRequest, readSingleParams } from '@latchkey/oauth';

/** `GET /admin/users?limit&cursor&username`, read. */
export interface UserListQuery {
  limit: number;
  /** Sequence number of the last user of the previous page. */
  afterSeq?: string;
  /** Only the user with this username (compared case-insensitively). */
  username?: string;
}

/**
 * Each parameter at most once; limit 1..200 (default 50); the cursor must be one this list gave
 * out. Lists walk users in insertion order, stable while users are added or deleted; the cursor
 * is the last sequence number seen, wrapped so callers treat it as opaque.
 */
@Injectable()
export class UserListQueryPipe implements PipeTransform<unknown, UserListQuery> {
  transform(query: unknown): UserListQuery {
    const { limit, cursor, username } = readSingleParams(
      query as Record<string, unknown> | undefined,
      ['limit', 'cursor', 'username'],
    );
    const list: UserListQuery = {
      limit: limit === undefined ? DEFAULT_PAGE_SIZE : readLimit(limit),
    };
    if (cursor !== undefined) list.afterSeq = decodeSeqCursor(cursor, 'after');
    if (username !== undefined) list.username = username;
    return list;
  }
}

function readLimit(limit: string): number {
  const value = /^[1-9][0-9]{0,3}$/.test(limit) ? Number(limit) : NaN;
  if (!(value <= MAX_PAGE_SIZE)) {
    throw new InvalidRequest(`limit must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  }
  return value;
}
