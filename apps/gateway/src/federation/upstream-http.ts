import { OutboundHttp, OutboundRefused } from '@latchkey/platform';
import { UpstreamLoginError, type UpstreamFailure } from './upstream-error';

/** Each call to an upstream provider (discovery, keys, token, userinfo) is abandoned after this. */
export const UPSTREAM_TIMEOUT_MS = 10_000;

/** Answers over this size are refused: no discovery document, key set or profile is this big. */
const MAX_UPSTREAM_RESPONSE_BYTES = 512 * 1024;

/**
 * One call to an upstream provider through the outbound policy. A refused target, a timeout or a
 * network error is `unreachable`; the answer is for the caller to judge.
 */
export async function upstreamCall(
  http: OutboundHttp,
  url: string,
  request: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
): Promise<Response> {
  try {
    return await http.fetch(url, {
      ...request,
      timeoutMs: UPSTREAM_TIMEOUT_MS,
      maxResponseBytes: MAX_UPSTREAM_RESPONSE_BYTES,
    });
  } catch (err) {
    const why = err instanceof OutboundRefused ? err.message : (err as Error)?.name;
    throw new UpstreamLoginError('unreachable', why);
  }
}

/** A JSON object from a 200 answer, or `failure`. */
export async function readJsonObject(
  response: Response,
  failure: UpstreamFailure,
): Promise<Record<string, unknown>> {
  if (response.status !== 200) {
    throw new UpstreamLoginError(failure, `HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new UpstreamLoginError(failure, 'the answer is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UpstreamLoginError(failure, 'the answer is not a JSON object');
  }
  return body as Record<string, unknown>;
}

export async function upstreamGetJson(
  http: OutboundHttp,
  url: string,
  headers: Record<string, string>,
  failure: UpstreamFailure,
): Promise<Record<string, unknown>> {
  const response = await upstreamCall(http, url, {
    method: 'GET',
    headers: { accept: 'application/json', 'user-agent': UPSTREAM_USER_AGENT, ...headers },
  });
  return readJsonObject(response, failure);
}

/** Some providers (GitHub) refuse API calls without a User-Agent. */
export const UPSTREAM_USER_AGENT = 'Latchkey';
