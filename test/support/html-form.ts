/**
 * Just enough HTML reading for a headless user agent to submit our own pages' forms: the first
 * `<form>` of a page, its action and method, its `<input>`s and its submit `<button>`s. Attributes
 * are read in any order and quoting, and character references are decoded, so the markup may be
 * reformatted without breaking the tests. (No HTML parser is installed; the pages are ours.)
 */

export interface FormField {
  name: string;
  value: string;
  type: string;
}

export interface SubmitButton {
  name?: string;
  value: string;
  /** The button's visible text. */
  label: string;
}

export interface HtmlForm {
  /** Absolute URL, resolved against the page's URL. */
  action: string;
  method: 'get' | 'post';
  fields: FormField[];
  buttons: SubmitButton[];
}

const NAMED_REFERENCES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_REFERENCES[ref.toLowerCase()] ?? whole;
  });
}

/** The attributes of one start tag's source (`<input type="hidden" name=x value='y' />`). */
export function parseAttributes(tag: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const inner = tag.replace(/^<[a-z0-9]+/i, '').replace(/\/?>$/, '');
  const pattern = /([^\s"'=<>/`]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (const match of inner.matchAll(pattern)) {
    const name = match[1]!.toLowerCase();
    if (attributes.has(name)) continue;
    attributes.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

/** Tags' sources of one element name in a fragment, in document order. */
function startTags(fragment: string, element: string): string[] {
  return [...fragment.matchAll(new RegExp(`<${element}\\b[^>]*>`, 'gi'))].map((m) => m[0]);
}

/** The text of an element: tags dropped, whitespace collapsed, references decoded. */
export function textContent(fragment: string): string {
  return decodeEntities(fragment.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

/** The first form of a page, or undefined when it has none. */
export function parseFirstForm(page: string, pageUrl: string): HtmlForm | undefined {
  const match = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(page);
  if (!match) return undefined;
  const [whole, body = ''] = match;
  const formTag = whole.slice(0, whole.indexOf('>') + 1);
  const attributes = parseAttributes(formTag);
  const method = (attributes.get('method') ?? 'get').toLowerCase() === 'post' ? 'post' : 'get';

  const fields: FormField[] = [];
  for (const tag of startTags(body, 'input')) {
    const input = parseAttributes(tag);
    const name = input.get('name');
    const type = (input.get('type') ?? 'text').toLowerCase();
    if (!name || type === 'submit' || type === 'button' || input.has('disabled')) continue;
    fields.push({ name, value: input.get('value') ?? '', type });
  }

  const buttons: SubmitButton[] = [];
  for (const button of body.matchAll(/(<button\b[^>]*>)([\s\S]*?)<\/button>/gi)) {
    const tag = parseAttributes(button[1]!);
    if ((tag.get('type') ?? 'submit').toLowerCase() !== 'submit') continue;
    buttons.push({
      name: tag.get('name'),
      value: tag.get('value') ?? '',
      label: textContent(button[2]!),
    });
  }

  return {
    action: new URL(attributes.get('action') ?? '', pageUrl).toString(),
    method,
    fields,
    buttons,
  };
}
