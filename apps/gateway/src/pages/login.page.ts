import { html } from './html';
import type { Page } from './page';

export interface LoginPageModel {
  /** Absolute URL the form posts to (`<issuer>/login`). */
  action: string;
  interactionId: string;
  csrf: string;
  clientName: string;
  /** Prefilled username (login_hint, or what was typed before a failure). */
  username?: string;
  /** A message shown above the form (never says whether the username exists). */
  error?: string;
  status?: number;
  formActionSources?: readonly string[];
  /** "Continue with <name>" links to the upstream identity providers offered to the client. */
  providers?: readonly { name: string; href: string }[];
}

/**
 * The login form (docs/architecture.md §4): inputs `username` and `password`, the interaction id and the CSRF
 * token as hidden inputs. Works without JavaScript; focus starts on the first empty field.
 */
export function loginPage(model: LoginPageModel): Page {
  const hasUsername = !!model.username;
  const describedBy = model.error ? html` aria-describedby="login-error" aria-invalid="true"` : '';
  const body = html`<h1>Sign in</h1>
    <p class="muted">to continue to <strong>${model.clientName}</strong></p>
    ${model.error ? html`<p class="alert" role="alert" id="login-error">${model.error}</p>` : ''}
    <form method="post" action="${model.action}">
      <input type="hidden" name="interaction" value="${model.interactionId}" />
      <input type="hidden" name="csrf" value="${model.csrf}" />
      <label for="username">Username</label>
      <input
        type="text"
        id="username"
        name="username"
        value="${model.username ?? ''}"
        autocomplete="username"
        autocapitalize="none"
        spellcheck="false"
        required${hasUsername ? '' : html` autofocus`}${describedBy}
      />
      <label for="password">Password</label>
      <input
        type="password"
        id="password"
        name="password"
        autocomplete="current-password"
        required${hasUsername ? html` autofocus` : ''}${describedBy}
      />
      <div class="actions"><button type="submit" class="primary">Sign in</button></div>
    </form>
    ${
      model.providers?.length
        ? html`<div class="providers">
            <p class="muted">or</p>
            ${model.providers.map(
              (p) => html`<a class="button provider" href="${p.href}">Continue with ${p.name}</a>`,
            )}
          </div>`
        : ''
    }`;
  return {
    status: model.status ?? 200,
    title: 'Sign in',
    body,
    formActionSources: model.formActionSources,
  };
}
