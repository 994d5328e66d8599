import { createHash } from 'node:crypto';
import { textColorOn } from './brand-colors';

export interface Stylesheet {
  /** File name under /assets/, with a content hash: cacheable forever, replaced on change. */
  fileName: string;
  css: string;
}

/**
 * The one stylesheet of the pages, served from /assets so the CSP needs no 'unsafe-inline'.
 * Colours: body text #1f2328 (15:1 on white), secondary text #57606a (6.2:1), the error box
 * #82071e on #ffebe9 (9:1), the brand button's text picked for at least 4.5:1, and a focus ring
 * of #111 that is visible on every background the pages use.
 */
export function buildStylesheet(brandColor: string): Stylesheet {
  const css = `:root{--brand:${brandColor};--on-brand:${textColorOn(brandColor)}}
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;background:#f3f4f6;line-height:1.5;-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:1.5rem}
main{width:100%;max-width:27rem;background:#fff;border:1px solid #d0d7de;border-radius:12px;padding:2rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.brand{display:flex;align-items:center;gap:.75rem;margin:0 0 1.5rem;font-weight:600;font-size:1.05rem}
.brand img{max-height:2.5rem;max-width:10rem}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}
p{margin:0 0 1rem}
.muted{color:#57606a}
label{display:block;font-weight:600;margin:0 0 .35rem}
input[type=text],input[type=password]{display:block;width:100%;padding:.6rem .75rem;margin:0 0 1rem;font:inherit;color:inherit;background:#fff;border:1px solid #6e7781;border-radius:6px}
button{font:inherit;font-weight:600;padding:.65rem 1.1rem;border:1px solid transparent;border-radius:6px;cursor:pointer}
.primary{background:var(--brand);color:var(--on-brand);border-color:var(--brand)}
.secondary{background:#fff;color:#1f2328;border-color:#6e7781}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}
.actions button{flex:1 1 auto}
.providers{margin-top:1.5rem;text-align:center}
.button.provider{display:block;margin:0 0 .75rem;padding:.65rem 1.1rem;font-weight:600;color:#1f2328;text-decoration:none;background:#fff;border:1px solid #6e7781;border-radius:6px}
:focus-visible{outline:3px solid #111;outline-offset:2px}
.alert{border:1px solid #cf222e;background:#ffebe9;color:#82071e;padding:.75rem 1rem;border-radius:6px;margin:0 0 1rem}
.scopes{list-style:none;padding:0;margin:0 0 1rem;border:1px solid #d0d7de;border-radius:8px}
.scopes li{padding:.75rem 1rem;border-top:1px solid #d0d7de}
.scopes li:first-child{border-top:0}
.api{font-size:1rem;margin:1rem 0 .5rem}
.scope-id{display:block;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem;color:#57606a}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
@media (forced-colors:active){button{border:1px solid ButtonText}}
`;
  const hash = createHash('sha256').update(css).digest('hex').slice(0, 16);
  return { fileName: `latchkey.${hash}.css`, css };
}
