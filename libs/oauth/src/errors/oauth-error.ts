/**
 * The one error hierarchy of the platform, one subclass per RFC 6749 / 6750 / 7591 / OIDC error code.
 * Only the HTTP exception filter turns these into responses, and only the RPC filter puts them on the bus.
 */
export interface OAuthErrorJson {
  error: string;
  error_description?: string;
}

/** Shape of an OAuthError while it crosses the bus as data. */
export interface SerializedOAuthError extends OAuthErrorJson {
  kind: 'oauth_error';
  status: number;
}

export class OAuthError extends Error {
  /** HTTP status the edge answers with. */
  readonly status: number;
  /** The RFC error code, e.g. `invalid_grant`. */
  readonly error: string;
  readonly description?: string;

  constructor(status: number, error: string, description?: string) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'OAuthError';
    this.status = status;
    this.error = error;
    this.description = description;
  }

  toJSON(): OAuthErrorJson {
    return this.description
      ? { error: this.error, error_description: this.description }
      : { error: this.error };
  }

  serialize(): SerializedOAuthError {
    return { kind: 'oauth_error', status: this.status, ...this.toJSON() };
  }

  static isSerialized(value: unknown): value is SerializedOAuthError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as SerializedOAuthError).kind === 'oauth_error' &&
      typeof (value as SerializedOAuthError).error === 'string' &&
      typeof (value as SerializedOAuthError).status === 'number'
    );
  }

  /** Rebuilds the error on the receiving side of the bus, as the most specific subclass known. */
  static deserialize(value: SerializedOAuthError): OAuthError {
    const ctor = ERRORS_BY_CODE[value.error];
    if (ctor) {
      const rebuilt = new ctor(value.error_description);
      if (rebuilt.status === value.status) return rebuilt;
    }
    return new OAuthError(value.status, value.error, value.error_description);
  }
}

// RFC 6749 §4.1.2.1, §5.2
export class InvalidRequest extends OAuthError {
  constructor(description?: string) {
    super(400, 'invalid_request', description);
  }
}
export class InvalidClient extends OAuthError {
  constructor(description = 'client authentication failed') {
    super(401, 'invalid_client', description);
  }
}
export class InvalidGrant extends OAuthError {
  constructor(description?: string) {
    super(400, 'invalid_grant', description);
  }
}
export class UnauthorizedClient extends OAuthError {
  constructor(description?: string) {
    super(400, 'unauthorized_client', description);
  }
}
export class UnsupportedGrantType extends OAuthError {
  constructor(description?: string) {
    super(400, 'unsupported_grant_type', description);
  }
}
export class UnsupportedResponseType extends OAuthError {
  constructor(description?: string) {
    super(400, 'unsupported_response_type', description);
  }
}
export class InvalidScope extends OAuthError {
  constructor(description?: string) {
    super(400, 'invalid_scope', description);
  }
}
export class AccessDenied extends OAuthError {
  constructor(description?: string) {
    super(403, 'access_denied', description);
  }
}
export class ServerError extends OAuthError {
  constructor(description = 'an unexpected error occurred') {
    super(500, 'server_error', description);
  }
}
/** A backend (NATS, Redis, Postgres, another service) is unreachable: fail closed with 503. */
export class TemporarilyUnavailable extends OAuthError {
  constructor(description = 'the service is temporarily unavailable, try again later') {
    super(503, 'temporarily_unavailable', description);
  }
}
// RFC 6750 §3.1
export class InvalidToken extends OAuthError {
  constructor(description?: string) {
    super(401, 'invalid_token', description);
  }
}
export class InsufficientScope extends OAuthError {
  constructor(description?: string) {
    super(403, 'insufficient_scope', description);
  }
}
// OpenID Connect Core §3.1.2.6
export class LoginRequired extends OAuthError {
  constructor(description?: string) {
    super(400, 'login_required', description);
  }
}
export class ConsentRequired extends OAuthError {
  constructor(description?: string) {
    super(400, 'consent_required', description);
  }
}
export class InteractionRequired extends OAuthError {
  constructor(description?: string) {
    super(400, 'interaction_required', description);
  }
}
// RFC 7591 §3.2.2
export class InvalidRedirectUri extends OAuthError {
  constructor(description?: string) {
    super(400, 'invalid_redirect_uri', description);
  }
}
export class InvalidClientMetadata extends OAuthError {
  constructor(description?: string) {
    super(400, 'invalid_client_metadata', description);
  }
}
// RFC 8707 §2
export class InvalidTarget extends OAuthError {
  constructor(description?: string) {
    super(400, 'invalid_target', description);
  }
}
/** Not an RFC code: resources the API does not have (admin API, 404). */
export class NotFound extends OAuthError {
  constructor(description = 'not found') {
    super(404, 'not_found', description);
  }
}
/** Not an RFC code: a unique attribute is taken (admin API, 409). */
export class Conflict extends OAuthError {
  constructor(description = 'conflict') {
    super(409, 'conflict', description);
  }
}

/**
 * Every error code an answer of this platform may carry: the registered OAuth codes (RFC 6749
 * §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009, RFC 7591, RFC 8707, OpenID Connect Core §3.1.2.6)
 * and the admin API's `not_found` and `conflict`. Metrics label anything else `other`.
 */
export const OAUTH_ERROR_CODES: ReadonlySet<string> = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_response_type',
  'unsupported_token_type',
  'invalid_scope',
  'access_denied',
  'server_error',
  'temporarily_unavailable',
  'invalid_token',
  'insufficient_scope',
  'invalid_target',
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
  'invalid_request_uri',
  'invalid_request_object',
  'invalid_redirect_uri',
  'invalid_client_metadata',
  'not_found',
  'conflict',
]);

type OAuthErrorCtor = new (description?: string) => OAuthError;

const ERRORS_BY_CODE: Record<string, OAuthErrorCtor> = {
  invalid_request: InvalidRequest,
  invalid_client: InvalidClient,
  invalid_grant: InvalidGrant,
  unauthorized_client: UnauthorizedClient,
  unsupported_grant_type: UnsupportedGrantType,
  unsupported_response_type: UnsupportedResponseType,
  invalid_scope: InvalidScope,
  access_denied: AccessDenied,
  server_error: ServerError,
  temporarily_unavailable: TemporarilyUnavailable,
  invalid_token: InvalidToken,
  insufficient_scope: InsufficientScope,
  login_required: LoginRequired,
  consent_required: ConsentRequired,
  interaction_required: InteractionRequired,
  invalid_redirect_uri: InvalidRedirectUri,
  invalid_client_metadata: InvalidClientMetadata,
  invalid_target: InvalidTarget,
  not_found: NotFound,
  conflict: Conflict,
};
