import type { EndSessionRequest } from '@latchkey/contracts';
import { InvalidRequest } from '@latchkey/oauth';
import { MAX_SID_LENGTH, MAX_SUB_LENGTH } from '../user-grants/user-grants.requests';

/** The `token.session.end` message: a non-empty `sid` and `sub` of bounded length. */
export function readEndSessionRequest(request: unknown): EndSessionRequest {
  const { sid, sub } = (request ?? {}) as Partial<EndSessionRequest>;
  if (typeof sid !== 'string' || sid === '' || sid.length > MAX_SID_LENGTH) {
    throw new InvalidRequest(
      `sid must be a non-empty string of at most ${MAX_SID_LENGTH} characters`,
    );
  }
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUB_LENGTH) {
    throw new InvalidRequest('sub must be a non-empty string of at most 255 characters');
  }
  return { sid, sub };
}
