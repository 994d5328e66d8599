/**
 * The shape every bus payload must have before a handler reads it: types, sizes, required
 * fields, no NUL in an id. A message comes from another service, but it is checked as if it came
 * from outside (a compromised or buggy peer, a stray publisher on the bus): a payload that breaks
 * its subject's rule never reaches the handler, and the caller gets `invalid_request` back as
 * data (docs/architecture.md §1.1). The finer protocol rules stay with the services.
 *
 * Members a rule does not name are let through untouched, so that a newer replica may add an
 * optional member during a rolling update.
 */

/** A member's rule: answers what is wrong with the value, or undefined when it is fine. */
export type FieldRule = {
  readonly optional: boolean;
  check(value: unknown): string | undefined;
};

/** The rule of one subject's payload: an object with these members, or no payload at all. */
export type PayloadRule =
  | { readonly kind: 'object'; readonly fields: Record<string, FieldRule> }
  | { readonly kind: 'none' };

/** Longest id on the bus (client ids, subjects, grant and session ids, resource identifiers). */
export const MAX_BUS_ID_LENGTH = 2048;
/** Longest opaque string (a token, an assertion, an Authorization header, a form value). */
export const MAX_BUS_STRING_LENGTH = 16 * 1024;
/** Longest nested JSON member (client metadata, a merge patch, an audit event), serialized. */
export const MAX_BUS_JSON_LENGTH = 64 * 1024;
/** Deepest nesting of a JSON member. */
export const MAX_BUS_JSON_DEPTH = 16;
/** Most members of a form-parameter map, and most items of a list. */
export const MAX_BUS_ITEMS = 100;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function rule(check: (value: unknown) => string | undefined): FieldRule {
  return { optional: false, check };
}

/** The same rule, but the member may be absent (undefined or null). */
export function optional(field: FieldRule): FieldRule {
  return { optional: true, check: field.check };
}

/** A non-empty string of at most `max` characters without control characters. */
export function id(max = MAX_BUS_ID_LENGTH): FieldRule {
  return rule((value) => {
    if (typeof value !== 'string' || value === '') return 'must be a non-empty string';
    if (value.length > max) return `must be at most ${max} characters`;
    if (CONTROL.test(value)) return 'must not contain control characters';
    return undefined;
  });
}

/** Any string of at most `max` characters (a token, a header; judged by the service). */
export function text(max = MAX_BUS_STRING_LENGTH): FieldRule {
  return rule((value) => {
    if (typeof value !== 'string') return 'must be a string';
    if (value.length > max) return `must be at most ${max} characters`;
    return undefined;
  });
}

/** An integer; between `min` and `max` when given (the service checks its own range). */
export function integer(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): FieldRule {
  const bounded = min !== Number.MIN_SAFE_INTEGER || max !== Number.MAX_SAFE_INTEGER;
  return rule((value) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? undefined
      : `must be an integer${bounded ? ` between ${min} and ${max}` : ''}`,
  );
}

export function boolean(): FieldRule {
  return rule((value) => (typeof value === 'boolean' ? undefined : 'must be a boolean'));
}

export function oneOf(values: readonly string[]): FieldRule {
  return rule((value) =>
    typeof value === 'string' && values.includes(value)
      ? undefined
      : `must be one of ${values.join(', ')}`,
  );
}

/** A list of at most `maxItems` items, each following `item`. */
export function list(item: FieldRule, maxItems = MAX_BUS_ITEMS): FieldRule {
  return rule((value) => {
    if (!Array.isArray(value)) return 'must be a list';
    if (value.length > maxItems) return `must have at most ${maxItems} items`;
    for (const entry of value) {
      const problem = item.check(entry);
      if (problem) return `items ${problem}`;
    }
    return undefined;
  });
}

/** Form parameters as the token, revocation and introspection endpoints received them. */
export function formParams(): FieldRule {
  return rule((value) => {
    if (!isPlainObject(value)) return 'must be an object';
    const entries = Object.entries(value);
    if (entries.length > MAX_BUS_ITEMS) return `must have at most ${MAX_BUS_ITEMS} members`;
    const one = text();
    const many = list(text(), MAX_BUS_ITEMS);
    for (const [, member] of entries) {
      if ((Array.isArray(member) ? many : one).check(member)) {
        return `members must be strings or lists of strings of at most ${MAX_BUS_STRING_LENGTH} characters`;
      }
    }
    return undefined;
  });
}

/**
 * Untrusted JSON the service validates itself, with its own errors (client metadata is
 * `invalid_client_metadata`): any JSON value here, of bounded size and depth.
 */
export function json(): FieldRule {
  return rule((value) => {
    if (depthOf(value, 0) > MAX_BUS_JSON_DEPTH) {
      return `must be nested at most ${MAX_BUS_JSON_DEPTH} levels deep`;
    }
    if (JSON.stringify(value).length > MAX_BUS_JSON_LENGTH) {
      return `must be at most ${MAX_BUS_JSON_LENGTH} characters of JSON`;
    }
    return undefined;
  });
}

export function object(fields: Record<string, FieldRule>): PayloadRule {
  return { kind: 'object', fields };
}

/** A subject that takes no payload: whatever arrives is ignored, never read. */
export const NO_PAYLOAD: PayloadRule = { kind: 'none' };

/**
 * A subject whose handler reads any payload defensively itself, because its answer to a
 * malformed one is a verdict rather than an error (an unreadable token is `{active: false}`).
 */
export const READ_BY_HANDLER: PayloadRule = { kind: 'none' };

/**
 * What is wrong with a payload under its rule, naming the member and the rule (never the value,
 * which may be a secret), or undefined when it may be handed to the handler.
 */
export function payloadProblem(rule: PayloadRule, payload: unknown): string | undefined {
  if (rule.kind === 'none') return undefined;
  if (!isPlainObject(payload)) return 'the payload must be a JSON object';
  for (const [name, field] of Object.entries(rule.fields)) {
    const value = payload[name];
    if (value === undefined || value === null) {
      if (field.optional) continue;
      return `${name} is required`;
    }
    const problem = field.check(value);
    if (problem) return `${name} ${problem}`;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function depthOf(value: unknown, depth: number): number {
  if (depth > MAX_BUS_JSON_DEPTH || typeof value !== 'object' || value === null) return depth;
  let deepest = depth;
  for (const member of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(member, depth + 1));
    if (deepest > MAX_BUS_JSON_DEPTH) break;
  }
  return deepest;
}
