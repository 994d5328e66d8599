import { OAuthError } from '@latchkey/oauth';

// OpenID Connect Core §3.1.2.6: request objects are not supported (discovery says so too).
export class RequestNotSupported extends OAuthError {
  constructor(description = 'the request parameter is not supported') {
    super(400, 'request_not_supported', description);
  }
}

export class RequestUriNotSupported extends OAuthError {
  constructor(description = 'the request_uri parameter is not supported') {
    super(400, 'request_uri_not_supported', description);
  }
}
