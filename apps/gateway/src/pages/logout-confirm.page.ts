import { html } from './html';
import type { Page } from './page';

export interface LogoutConfirmPageModel {
  /** Absolute URL the form posts to (`<issuer>/logout/confirm`). */
  action: string;
  logoutId: string;
  csrf: string;
  brandName: string;
  /** Who is signed in, when known. */
  username?: string;
  /** Where the browser goes after signing out (the client's post-logout URI), for the CSP. */
  formActionSources?: readonly string[];
}

/**
 * OIDC RP-Initiated Logout §2 asks the OP to confirm with the user when the request cannot be
 * tied to the browser's session (no valid id_token_hint): otherwise any site could sign the user
 * out with a link (logout CSRF). One button in a form with the hidden CSRF token.
 */
export function logoutConfirmPage(model: LogoutConfirmPageModel): Page {
  const body = html`<h1>Sign out of ${model.brandName}?</h1>
    <p>
      An application asked to sign you out. You will be signed out of ${model.brandName} in this
      browser, and applications that signed you in with it are told.
    </p>
    ${
      model.username
        ? html`<p class="muted">Signed in as <strong>${model.username}</strong>.</p>`
        : ''
    }
    <form method="post" action="${model.action}">
      <input type="hidden" name="logout" value="${model.logoutId}" />
      <input type="hidden" name="csrf" value="${model.csrf}" />
      <div class="actions"><button type="submit" class="primary">Sign out</button></div>
    </form>`;
  return {
    status: 200,
    title: 'Sign out',
    body,
    formActionSources: model.formActionSources,
  };
}
