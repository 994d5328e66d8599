import { html } from './html';
import type { Page } from './page';

export interface ErrorPageModel {
  status: number;
  /** RFC 6749 error code, shown for support. */
  error: string;
  description?: string;
  /** The x-request-id, so support can find the log lines. */
  requestId?: string;
  headers?: Readonly<Record<string, string>>;
}

function headingFor(status: number, error: string): string {
  if (status === 429) return 'Too many attempts';
  if (status === 503 || error === 'temporarily_unavailable') return 'Temporarily unavailable';
  if (status >= 500) return 'Something went wrong';
  return 'This sign-in request cannot continue';
}

function adviceFor(status: number): string {
  if (status === 429) return 'Wait a few minutes, then try again.';
  if (status >= 500) return 'Please try again in a moment.';
  return 'Go back to the application you came from and start again.';
}

/**
 * An error that must not (or cannot) go back to the client: shown to the user, with the error
 * code and the request id for whoever they ask for help.
 */
export function errorPage(model: ErrorPageModel): Page {
  const title = headingFor(model.status, model.error);
  const body = html`<h1>${title}</h1>
    ${model.description ? html`<p>${capitalise(model.description)}.</p>` : ''}
    <p>${adviceFor(model.status)}</p>
    <p class="muted">
      Error code: <code>${model.error}</code>${
        model.requestId ? html`<br />Reference: <code>${model.requestId}</code>` : ''
      }
    </p>`;
  return { status: model.status, title, body, headers: model.headers };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).replace(/\.$/, '');
}
