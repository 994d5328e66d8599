/**
 * What an authorization request still needs from the user, decided from the request, the SSO
 * session and the remembered consent (OIDC Core §3.1.2.3, §3.1.2.4). Pure: the flow does the I/O.
 */
import type { ClientRecord } from '@latchkey/contracts';
import { ConsentRequired, LoginRequired } from '@latchkey/oauth';
import type { AuthorizationRequest } from './authorization-request';

/** Who is signed in, as far as an authorization request is concerned. */
export interface AuthenticatedUser {
  sub: string;
  /** Seconds since the epoch. */
  auth_time: number;
  amr: string[];
  acr?: string;
  /** The upstream identity provider the user signed in through. */
  idp?: string;
  /** The public id of the SSO session (id_token `sid`). */
  sid: string;
}

export type LoginReason = 'no_session' | 'prompt' | 'max_age' | 'other_user';

/**
 * Why the user must sign in (again) before this request can be answered, or undefined when the
 * session will do: there is none; prompt=login or select_account; the last sign-in is older than
 * max_age (0 means always); or id_token_hint names another user.
 */
export function loginNeeded(
  request: AuthorizationRequest,
  session: AuthenticatedUser | undefined,
  nowSeconds: number,
): LoginReason | undefined {
  if (!session) return 'no_session';
  if (request.prompt.includes('login') || request.prompt.includes('select_account')) {
    return 'prompt';
  }
  if (
    request.max_age !== undefined &&
    (request.max_age === 0 || nowSeconds - session.auth_time > request.max_age)
  ) {
    return 'max_age';
  }
  if (request.id_token_hint_sub !== undefined && request.id_token_hint_sub !== session.sub) {
    return 'other_user';
  }
  return undefined;
}

/** OIDC Core §3.1.2.6: with prompt=none a needed login is login_required, never a page. */
export function checkPromptNoneAllowsLogin(
  request: AuthorizationRequest,
  reason: LoginReason | undefined,
): void {
  if (reason === undefined || !request.prompt.includes('none')) return;
  throw new LoginRequired(
    reason === 'other_user'
      ? 'the signed-in user is not the one id_token_hint names'
      : reason === 'max_age'
        ? 'the last sign-in is older than max_age allows'
        : 'the user is not signed in',
  );
}

/**
 * Whether the consent page must be shown: always for prompt=consent; never for a first-party
 * client registered with skip_consent; otherwise unless every requested scope (offline_access
 * included) was consented to before for this client.
 */
export function consentNeeded(
  request: AuthorizationRequest,
  client: ClientRecord,
  remembered: ReadonlySet<string>,
): boolean {
  if (request.prompt.includes('consent')) return true;
  if (client.skip_consent) return false;
  return request.scopes.some((scope) => !remembered.has(scope));
}

/** OIDC Core §3.1.2.6: with prompt=none a needed consent is consent_required. */
export function checkPromptNoneAllowsConsent(request: AuthorizationRequest, needed: boolean): void {
  if (needed && request.prompt.includes('none')) {
    throw new ConsentRequired('the user has not consented to the requested scopes');
  }
}
