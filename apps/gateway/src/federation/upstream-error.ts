/**
 * Why an upstream sign-in failed (docs/identity-providers.md): a stable code for the audit
 * event and the log, as jose's error codes; the user sees one of two pages (upstream-login
 * service), never the detail.
 */
export type UpstreamFailure =
  | 'state_invalid'
  | 'interaction_invalid'
  | 'provider_mismatch'
  | 'upstream_error'
  | 'discovery_failed'
  | 'issuer_mismatch'
  | 'token_exchange_failed'
  | 'id_token_missing'
  | 'id_token_invalid'
  | 'id_token_expired'
  | 'signature_invalid'
  | 'audience_mismatch'
  | 'nonce_mismatch'
  | 'userinfo_failed'
  | 'subject_missing'
  | 'unreachable'
  | 'directory_bind_failed'
  | 'account_disabled'
  | 'ambiguous_email';

export class UpstreamLoginError extends Error {
  constructor(
    readonly code: UpstreamFailure,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'UpstreamLoginError';
  }
}
