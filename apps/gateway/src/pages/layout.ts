import type { BrandConfig } from '@latchkey/config';
import { html, type SafeHtml } from './html';

export interface LayoutModel {
  brand: BrandConfig;
  stylesheetUrl: string;
  title: string;
  body: SafeHtml;
}

/** The frame of every page: language, viewport, the stylesheet, the brand, one <main>. */
export function layout({ brand, stylesheetUrl, title, body }: LayoutModel): SafeHtml {
  // The logo is decorative next to the brand name, hence the empty alt text.
  const logo = brand.logoUrl ? html`<img src="${brand.logoUrl}" alt="" />` : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>${title} · ${brand.name}</title>
        <link rel="stylesheet" href="${stylesheetUrl}" />
      </head>
      <body>
        <main>
          <header class="brand">${logo}<span>${brand.name}</span></header>
          ${body}
        </main>
      </body>
    </html> `;
}
