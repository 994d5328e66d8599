import type { SafeHtml } from './html';

/** A page as the templates describe it; PageRenderer adds the layout and the headers. */
export interface Page {
  status: number;
  /** The <title> and, usually, what the <h1> says. */
  title: string;
  body: SafeHtml;
  /** Origins (or schemes) the page's form may end up at after redirects (see pageHeaders). */
  formActionSources?: readonly string[];
  /** Extra headers, e.g. Retry-After on a 429 page. */
  headers?: Readonly<Record<string, string>>;
}

/** What a step of a browser flow answers: a page, or a 303 to the next step. */
export type PageOrRedirect = { page: Page } | { redirect: string };
