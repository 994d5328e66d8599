import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Swagger UI from the swagger-ui-dist package that @nestjs/swagger ships: nothing is loaded from
 * another origin, and nothing inline runs (the page and our initializer are static files; React
 * sets styles through the DOM, which style-src does not restrict). The one exception is the data:
 * SVG icons in swagger-ui.css. Checked in Chromium: no violation when browsing and trying requests.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The page at /admin/docs. URLs are absolute paths under the issuer's path (an issuer such as
 * https://example.com/auth serves /auth/admin/...), so the page works with or without a trailing
 * slash and everything stays same-origin.
 */
export function docsPage(issuer: string): string {
  const admin = `${new URL(issuer).pathname.replace(/\/+$/, '')}/admin`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Latchkey admin API</title>
    <link rel="stylesheet" href="${admin}/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="${admin}/docs/favicon-32x32.png">
  </head>
  <body>
    <div id="swagger-ui" data-openapi-url="${admin}/openapi.json"></div>
    <script src="${admin}/docs/swagger-ui-bundle.js"></script>
    <script src="${admin}/docs/swagger-initializer.js"></script>
  </body>
</html>
`;
}

/**
 * Replaces swagger-ui-dist's initializer (the petstore demo): our document, whose URL is on the
 * container element so that this script stays static, and no call-out to the public validator.
 */
const INITIALIZER = `window.addEventListener('load', function () {
  var container = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: container.getAttribute('data-openapi-url'),
    domNode: container,
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

export interface DocsAsset {
  contentType: string;
  body: Buffer;
}

/** File name → media type of what the page loads; nothing else in the package is served. */
const VENDOR_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

let assets: Map<string, DocsAsset> | undefined;

/** One of the page's assets by file name (read once from node_modules), or undefined. */
export function docsAsset(name: string): DocsAsset | undefined {
  assets ??= loadAssets();
  return assets.get(name);
}

function loadAssets(): Map<string, DocsAsset> {
  const dir = swaggerUiDistDir();
  const loaded = new Map<string, DocsAsset>();
  for (const [name, contentType] of Object.entries(VENDOR_ASSETS)) {
    loaded.set(name, { contentType, body: readFileSync(path.join(dir, name)) });
  }
  loaded.set('swagger-initializer.js', {
    contentType: 'text/javascript; charset=utf-8',
    body: Buffer.from(INITIALIZER),
  });
  return loaded;
}

/** swagger-ui-dist as @nestjs/swagger resolves it, wherever npm placed it. */
function swaggerUiDistDir(): string {
  const swaggerPackage = require.resolve('@nestjs/swagger/package.json');
  return path.dirname(
    require.resolve('swagger-ui-dist/package.json', { paths: [path.dirname(swaggerPackage)] }),
  );
}
