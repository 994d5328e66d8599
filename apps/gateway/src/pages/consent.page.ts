import { html } from './html';
import type { Page } from './page';

export interface ConsentScope {
  scope: string;
  description: string;
}

export interface ConsentPageModel {
  action: string;
  interactionId: string;
  csrf: string;
  clientName: string;
  username: string;
  scopes: readonly ConsentScope[];
  formActionSources?: readonly string[];
}

/**
 * The consent form (docs/architecture.md §4): what the client asks for, one line per scope, and two submit
 * buttons `decision=allow` / `decision=deny` in the same form as the hidden fields.
 */
export function consentPage(model: ConsentPageModel): Page {
  const items = model.scopes.map(
    ({ scope, description }) =>
      html`<li>${description}<span class="scope-id">${scope}</span></li> `,
  );
  const body = html`<h1>Allow ${model.clientName} to access your account?</h1>
    <p><strong>${model.clientName}</strong> asks to:</p>
    <ul class="scopes">
      ${items}
    </ul>
    <p class="muted">
      Signed in as <strong>${model.username}</strong>. Your choice is remembered for this
      application.
    </p>
    <form method="post" action="${model.action}">
      <input type="hidden" name="interaction" value="${model.interactionId}" />
      <input type="hidden" name="csrf" value="${model.csrf}" />
      <div class="actions">
        <button type="submit" name="decision" value="allow" class="primary">Allow</button>
        <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
      </div>
    </form>`;
  return { status: 200, title: 'Allow access', body, formActionSources: model.formActionSources };
}
