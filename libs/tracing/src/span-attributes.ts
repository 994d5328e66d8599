/**
 * The attributes Latchkey adds to its spans, beside OpenTelemetry's semantic conventions. Ids and
 * error codes only: never a secret, code, token or credential.
 */
export const LatchkeySpanAttributes = {
  /** The request id (`x-request-id`) every log line of the request carries. */
  requestId: 'latchkey.request_id',
  /** The OAuth client the HTTP request names (its `client_id` or Basic user name). */
  clientId: 'latchkey.client_id',
  /** The RFC error code the request or bus call was answered with (`invalid_grant`). */
  oauthError: 'latchkey.oauth_error',
} as const;
