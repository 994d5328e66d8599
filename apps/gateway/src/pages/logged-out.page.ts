import { html } from './html';
import type { Page } from './page';

/** Shown after the SSO session ended (logout). */
export function loggedOutPage(): Page {
  return {
    status: 200,
    title: 'Signed out',
    body: html`<h1>You are signed out</h1>
      <p>Your session has ended. You can close this window.</p>`,
  };
}
