import { isEmail, ValidateBy, ValidateIf, type ValidationArguments } from 'class-validator';
import { resourceIndicatorProblem } from '@latchkey/oauth';
import { checkPassword } from './password-policy';
import { checkUsername } from './username';

/*
 * class-validator decorators over the user rules, one per field, each with a message naming the
 * field (the admin API answers it as the invalid_request description). Messages never quote the
 * value: it may be a password.
 */

export const PROFILE_TEXT_MAX_LENGTH = 256;
/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the angle brackets. */
export const EMAIL_MAX_LENGTH = 254;

/** Required: absent is an error. */
export function IsUsername(): PropertyDecorator {
  return rule('isUsername', (value) => checkUsername(value));
}

/** Required: absent is an error. */
export function IsPassword(): PropertyDecorator {
  return rule('isPassword', (value) => checkPassword(value));
}

/** A display name: 1-256 characters, no control characters. */
export function IsProfileText(): PropertyDecorator {
  return rule('isProfileText', (value, field) => checkProfileText(field, value));
}

export function IsEmailAddress(): PropertyDecorator {
  return rule('isEmailAddress', (value, field) => checkEmail(field, value));
}

export function IsFlag(): PropertyDecorator {
  return rule('isFlag', (value, field) =>
    typeof value === 'boolean' ? undefined : `${field} must be true or false`,
  );
}

/** Absent is fine; null is validated (and so refused by a rule that wants a value). */
export function UnlessAbsent(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/** Absent or null is fine (null clears the field). */
export function UnlessAbsentOrNull(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null);
}

export function checkProfileText(field: string, value: unknown): string | undefined {
  const problem = `${field} must be 1 to ${PROFILE_TEXT_MAX_LENGTH} characters without control characters`;
  if (typeof value !== 'string') return problem;
  const length = [...value].length;
  if (length < 1 || length > PROFILE_TEXT_MAX_LENGTH || /\p{Cc}/u.test(value)) return problem;
  return undefined;
}

export function checkEmail(field: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > EMAIL_MAX_LENGTH || !isEmail(value)) {
    return `${field} must be an e-mail address of at most ${EMAIL_MAX_LENGTH} characters`;
  }
  return undefined;
}

/** A constraint from a check that answers the problem (or undefined when there is none). */
function rule(
  name: string,
  check: (value: unknown, field: string) => string | undefined,
): PropertyDecorator {
  const problemOf = (args: ValidationArguments) =>
    args.value === undefined
      ? `${args.property} is required`
      : (check(args.value, args.property) ?? `${args.property} is not valid`);
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        value !== undefined && check(value, args?.property ?? name) === undefined,
      defaultMessage: (args?: ValidationArguments) =>
        args ? problemOf(args) : `${name} is not valid`,
    },
  });
}

// ------------------------------------------------ groups, roles and attributes (§7 of the docs)

export const MAX_NAMES = 100;
export const NAME_MAX_LENGTH = 128;
export const MAX_RESOURCE_ROLE_ENTRIES = 50;
export const MAX_ATTRIBUTES = 64;
export const ATTRIBUTE_TEXT_MAX_LENGTH = 1024;
export const MAX_ATTRIBUTE_LIST_ITEMS = 50;
/** Attribute names: what a claim name and a JSON key can both be, without surprises. */
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** Group and role names: the scope-token characters (RFC 6749 §3.3), so they read the same everywhere. */
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const NAME = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** A group or role name: 1 to 128 printable ASCII characters but space, `"` and `\\`. */
export function isName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= NAME_MAX_LENGTH && NAME.test(name);
}

/** A list of group or role names, each listed once. */
export function IsNameList(): PropertyDecorator {
  return rule('isNameList', (value, field) => checkNameList(field, value));
}

/** `{ "<resource identifier>": ["role", ...] }`. */
export function IsResourceRoles(): PropertyDecorator {
  return rule('isResourceRoles', (value, field) => checkResourceRoles(field, value));
}

/**
 * `{ "<name>": value }`; with `patch`, a null value removes the attribute (RFC 7396 merge of the
 * attributes object).
 */
export function IsAttributes(options: { patch: boolean }): PropertyDecorator {
  return rule('isAttributes', (value, field) => checkAttributes(field, value, options.patch));
}

export function checkNameList(field: string, value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length > MAX_NAMES) {
    return `${field} must be a list of at most ${MAX_NAMES} names`;
  }
  const seen = new Set<string>();
  for (const [index, name] of value.entries()) {
    if (!isName(name)) {
      return (
        `${field}[${index}] must be 1 to ${NAME_MAX_LENGTH} characters ` +
        '(printable ASCII except space, double quote and backslash)'
      );
    }
    if (seen.has(name)) return `${field}[${index}] repeats an earlier name`;
    seen.add(name);
  }
  return undefined;
}

export function checkResourceRoles(field: string, value: unknown): string | undefined {
  if (!isPlainObject(value) || Object.keys(value).length > MAX_RESOURCE_ROLE_ENTRIES) {
    return `${field} must be an object of at most ${MAX_RESOURCE_ROLE_ENTRIES} resource identifiers`;
  }
  for (const [index, [identifier, roles]] of Object.entries(value).entries()) {
    const problem = resourceIndicatorProblem(identifier);
    // The key is the caller's text: name its position, never the key itself.
    if (problem) return `${field} key #${index + 1} ${problem}`;
    const rolesProblem = checkNameList(`${field} roles #${index + 1}`, roles);
    if (rolesProblem) return rolesProblem;
  }
  return undefined;
}

export function checkAttributes(field: string, value: unknown, patch: boolean): string | undefined {
  if (!isPlainObject(value) || Object.keys(value).length > MAX_ATTRIBUTES) {
    return `${field} must be an object of at most ${MAX_ATTRIBUTES} attributes`;
  }
  for (const [index, [name, item]] of Object.entries(value).entries()) {
    if (!ATTRIBUTE_NAME.test(name)) {
      return `${field} name #${index + 1} must be a letter then up to 63 letters, digits and . _ -`;
    }
    if (item === null && patch) continue;
    if (!isAttributeValue(item)) {
      return (
        `${field}.${name} must be a string of at most ${ATTRIBUTE_TEXT_MAX_LENGTH} characters, ` +
        `a number, true or false, or a list of at most ${MAX_ATTRIBUTE_LIST_ITEMS} such strings`
      );
    }
  }
  return undefined;
}

function isAttributeValue(value: unknown): boolean {
  if (typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) {
    return value.length <= MAX_ATTRIBUTE_LIST_ITEMS && value.every(isAttributeText);
  }
  return isAttributeText(value);
}

function isAttributeText(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    value.length <= ATTRIBUTE_TEXT_MAX_LENGTH &&
    !CONTROL_EXCEPT_WHITESPACE.test(value)
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
