import { html } from './html';
import type { Page } from './page';

export interface ConsentScope {
  scope: string;
  description: string;
}

/** The scopes of one API (named by its resource), or of the user's account (no name). */
export interface ConsentScopeGroup {
  api?: string;
  scopes: readonly ConsentScope[];
}

export interface ConsentPageModel {
  action: string;
  interactionId: string;
  csrf: string;
  clientName: string;
  username: string;
  groups: readonly ConsentScopeGroup[];
  formActionSources?: readonly string[];
}

/**
 * The consent form (docs/architecture.md §4): what the client asks for, one line per scope,
 * grouped by the API it is for, and two submit buttons `decision=allow` / `decision=deny` in the
 * same form as the hidden fields.
 */
export function consentPage(model: ConsentPageModel): Page {
  const groups = model.groups.map(({ api, scopes }) => {
    const items = scopes.map(
      ({ scope, description }) =>
        html`<li>${description}<span class="scope-id">${scope}</span></li> `,
    );
    const heading = api === undefined ? '' : html`<h2 class="api">${api}</h2>`;
    return html`${heading}
      <ul class="scopes">
        ${items}
      </ul> `;
  });
  const body = html`<h1>Allow ${model.clientName} to access your account?</h1>
    <p><strong>${model.clientName}</strong> asks to:</p>
    ${groups}
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
