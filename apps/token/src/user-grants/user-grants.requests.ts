import type {
  ListUserGrantsRequest,
  RevokeGrantRequest,
  RevokeUserGrantsRequest,
} from '@latchkey/contracts';
import { InvalidRequest } from '@latchkey/oauth';

/** OIDC Core §2: `sub` is at most 255 ASCII characters. */
export const MAX_SUB_LENGTH = 255;

/** The gateway's session ids are short; a longer one is a bug, not a session. */
export const MAX_SID_LENGTH = 256;

/** The revoke_user message: a non-empty `sub` of bounded length. */
export function readRevokeUserGrantsRequest(request: unknown): RevokeUserGrantsRequest {
  const sub = (request as Partial<RevokeUserGrantsRequest> | null | undefined)?.sub;
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUB_LENGTH) {
    throw new InvalidRequest('sub must be a non-empty string of at most 255 characters');
  }
  return { sub };
}

/** The grants.list message: the user whose grants to list. */
export function readListUserGrantsRequest(request: unknown): ListUserGrantsRequest {
  return readRevokeUserGrantsRequest(request);
}

/** The grants.revoke message: `grant_id`, and optionally the user it must belong to. */
export function readRevokeGrantRequest(request: unknown): RevokeGrantRequest {
  const input = (request ?? {}) as Partial<RevokeGrantRequest>;
  const grantId = input.grant_id;
  if (typeof grantId !== 'string' || grantId === '' || grantId.length > 64) {
    throw new InvalidRequest('grant_id must be a non-empty string');
  }
  if (input.sub === undefined || input.sub === null) return { grant_id: grantId };
  return { grant_id: grantId, sub: readRevokeUserGrantsRequest({ sub: input.sub }).sub };
}
