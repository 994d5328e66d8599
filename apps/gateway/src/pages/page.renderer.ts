import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_BRAND, type BrandConfig } from '@latchkey/config';
import type { Response } from 'express';
import { seeOther } from '../http/redirect';
import { ISSUER } from '@latchkey/oauth-http';
import { layout } from './layout';
import type { Page, PageOrRedirect } from './page';
import { pageHeaders } from './page-headers';
import { buildStylesheet, type Stylesheet } from './stylesheet';

export const BRAND = Symbol('BRAND');

/** Turns a Page into a response: the layout with the brand, the security headers, the status. */
@Injectable()
export class PageRenderer {
  readonly stylesheet: Stylesheet;

  constructor(
    @Inject(ISSUER) private readonly issuer: string,
    @Inject(BRAND) private readonly brand: BrandConfig = DEFAULT_BRAND,
  ) {
    this.stylesheet = buildStylesheet(brand.color);
  }

  /** The full document. */
  render(page: Page): string {
    return layout({
      brand: this.brand,
      stylesheetUrl: `${this.issuer}/assets/${this.stylesheet.fileName}`,
      title: page.title,
      body: page.body,
    }).value;
  }

  send(res: Response, page: Page): void {
    for (const [name, value] of Object.entries(pageHeaders(page.formActionSources))) {
      res.setHeader(name, value);
    }
    for (const [name, value] of Object.entries(page.headers ?? {})) res.setHeader(name, value);
    res.status(page.status).send(this.render(page));
  }

  /** The page, or the 303 to the next step. */
  answer(res: Response, outcome: PageOrRedirect): void {
    if ('redirect' in outcome) seeOther(res, outcome.redirect);
    else this.send(res, outcome.page);
  }
}
