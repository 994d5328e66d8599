import { isEmail, ValidateBy, ValidateIf, type ValidationArguments } from 'class-validator';
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
