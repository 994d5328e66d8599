import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-policy';
import type { ResourceRoles, UserAttributes, UserPage, UserView } from './user';
import {
  ATTRIBUTE_TEXT_MAX_LENGTH,
  EMAIL_MAX_LENGTH,
  IsAttributes,
  IsNameList,
  IsResourceRoles,
  MAX_ATTRIBUTES,
  MAX_NAMES,
  NAME_MAX_LENGTH,
  IsEmailAddress,
  IsFlag,
  IsPassword,
  IsProfileText,
  IsUsername,
  PROFILE_TEXT_MAX_LENGTH,
  UnlessAbsent,
  UnlessAbsentOrNull,
} from './user-input.validators';
import { USERNAME_MAX_LENGTH } from './username';

/*
 * The admin API's user bodies: validated by UserBodyPipe (unknown fields are refused) and
 * described in the OpenAPI document.
 */

const USERNAME_DOC = {
  minLength: 1,
  maxLength: USERNAME_MAX_LENGTH,
  example: 'alice',
  description:
    'Unique, compared case-insensitively after Unicode NFKC. A letter or digit first, then ' +
    'letters, digits and . _ @ + -',
};
const PASSWORD_DOC = {
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
  format: 'password',
  writeOnly: true,
  description: 'Any characters (NIST SP 800-63B: length, not composition). Never shown again.',
};
// `type` is explicit: reflection sees `string | null` as Object.
const EMAIL_DOC = { type: String, format: 'email', maxLength: EMAIL_MAX_LENGTH, nullable: true };
const TEXT_DOC = { type: String, minLength: 1, maxLength: PROFILE_TEXT_MAX_LENGTH, nullable: true };
const NAMES_ITEMS = { type: 'string', minLength: 1, maxLength: NAME_MAX_LENGTH } as const;
const GROUPS_DOC = {
  type: 'array',
  items: NAMES_ITEMS,
  maxItems: MAX_NAMES,
  example: ['engineering'],
  description: 'Group names: the `groups` claim, released by the `groups` scope',
} as const;
const ROLES_DOC = {
  type: 'array',
  items: NAMES_ITEMS,
  maxItems: MAX_NAMES,
  example: ['auditor'],
  description: 'Global roles: in the `roles` claim of every access token of the user',
} as const;
const RESOURCE_ROLES_DOC = {
  type: 'object',
  additionalProperties: { type: 'array', items: NAMES_ITEMS, maxItems: MAX_NAMES },
  example: { 'https://api.example.com': ['billing-admin'] },
  description:
    'Roles per API resource identifier, each defined by that resource: in the `roles` claim of ' +
    'access tokens for that audience only',
} as const;
const ATTRIBUTE_VALUE_SCHEMA = {
  oneOf: [
    { type: 'string', maxLength: ATTRIBUTE_TEXT_MAX_LENGTH },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'array', items: { type: 'string', maxLength: ATTRIBUTE_TEXT_MAX_LENGTH } },
  ],
};
const ATTRIBUTES_DOC = {
  type: 'object',
  maxProperties: MAX_ATTRIBUTES,
  additionalProperties: ATTRIBUTE_VALUE_SCHEMA,
  example: { department: 'Finance', nickname: 'Al' },
  description:
    'Custom attributes, released as claims through the claim mappings of scopes, and as the ' +
    'standard claims of the same name (nickname, picture, locale, phone_number, address...)',
} as const;

export class CreateUserDto {
  @ApiProperty(USERNAME_DOC)
  @IsUsername()
  username: string;

  @ApiProperty(PASSWORD_DOC)
  @IsPassword()
  password: string;

  @ApiPropertyOptional({ ...EMAIL_DOC, example: 'alice@example.com' })
  @UnlessAbsentOrNull()
  @IsEmailAddress()
  email?: string | null;

  @ApiPropertyOptional({
    description: 'The address is known to belong to the user; false when absent',
  })
  @UnlessAbsent()
  @IsFlag()
  email_verified?: boolean;

  @ApiPropertyOptional({ ...TEXT_DOC, example: 'Alice Liddell' })
  @UnlessAbsentOrNull()
  @IsProfileText()
  name?: string | null;

  @ApiPropertyOptional({ ...TEXT_DOC, example: 'Alice' })
  @UnlessAbsentOrNull()
  @IsProfileText()
  given_name?: string | null;

  @ApiPropertyOptional({ ...TEXT_DOC, example: 'Liddell' })
  @UnlessAbsentOrNull()
  @IsProfileText()
  family_name?: string | null;

  @ApiPropertyOptional(GROUPS_DOC)
  @UnlessAbsent()
  @IsNameList()
  groups?: string[];

  @ApiPropertyOptional(ROLES_DOC)
  @UnlessAbsent()
  @IsNameList()
  roles?: string[];

  @ApiPropertyOptional(RESOURCE_ROLES_DOC)
  @UnlessAbsent()
  @IsResourceRoles()
  resource_roles?: ResourceRoles;

  @ApiPropertyOptional(ATTRIBUTES_DOC)
  @UnlessAbsent()
  @IsAttributes({ patch: false })
  attributes?: UserAttributes;
}

/**
 * A JSON merge patch (RFC 7396) of a user: absent fields keep their value, null clears a profile
 * field. A new email without email_verified makes it unverified.
 */
export class UpdateUserDto {
  @ApiPropertyOptional(USERNAME_DOC)
  @UnlessAbsent()
  @IsUsername()
  username?: string;

  @ApiPropertyOptional({ ...PASSWORD_DOC, description: 'A new password (rehashed)' })
  @UnlessAbsent()
  @IsPassword()
  password?: string;

  @ApiPropertyOptional(EMAIL_DOC)
  @UnlessAbsentOrNull()
  @IsEmailAddress()
  email?: string | null;

  @ApiPropertyOptional()
  @UnlessAbsent()
  @IsFlag()
  email_verified?: boolean;

  @ApiPropertyOptional(TEXT_DOC)
  @UnlessAbsentOrNull()
  @IsProfileText()
  name?: string | null;

  @ApiPropertyOptional(TEXT_DOC)
  @UnlessAbsentOrNull()
  @IsProfileText()
  given_name?: string | null;

  @ApiPropertyOptional(TEXT_DOC)
  @UnlessAbsentOrNull()
  @IsProfileText()
  family_name?: string | null;

  @ApiPropertyOptional({
    description:
      'true: the user can no longer log in, and their grants and SSO sessions are ended (a 503 ' +
      'means that was not finished: send it again). false: enabled again.',
  })
  @UnlessAbsent()
  @IsFlag()
  disabled?: boolean;

  @ApiPropertyOptional({
    ...GROUPS_DOC,
    description: `${GROUPS_DOC.description}; replaces the list`,
  })
  @UnlessAbsent()
  @IsNameList()
  groups?: string[];

  @ApiPropertyOptional({ ...ROLES_DOC, description: `${ROLES_DOC.description}; replaces the list` })
  @UnlessAbsent()
  @IsNameList()
  roles?: string[];

  @ApiPropertyOptional({
    ...RESOURCE_ROLES_DOC,
    description: `${RESOURCE_ROLES_DOC.description}; replaces the whole map`,
  })
  @UnlessAbsent()
  @IsResourceRoles()
  resource_roles?: ResourceRoles;

  @ApiPropertyOptional({
    ...ATTRIBUTES_DOC,
    // null removes one: each alternative is nullable (OpenAPI 3.0 wants `type` beside `nullable`).
    additionalProperties: {
      oneOf: ATTRIBUTE_VALUE_SCHEMA.oneOf.map((schema) => ({ ...schema, nullable: true })),
    },
    description: 'Merged into the attributes (RFC 7396): a null value removes that attribute',
  })
  @UnlessAbsent()
  @IsAttributes({ patch: true })
  attributes?: Record<string, UserAttributes[string] | null>;
}

/** A user as the admin API shows it: never the password or its hash. */
export class UserDto implements UserView {
  @ApiProperty({ description: 'The OIDC sub: opaque and stable', format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty({ type: String, nullable: true, format: 'email' })
  email: string | null;

  @ApiProperty()
  email_verified: boolean;

  @ApiProperty({ type: String, nullable: true })
  name: string | null;

  @ApiProperty({ type: String, nullable: true })
  given_name: string | null;

  @ApiProperty({ type: String, nullable: true })
  family_name: string | null;

  @ApiProperty()
  disabled: boolean;

  @ApiProperty(GROUPS_DOC)
  groups: string[];

  @ApiProperty(ROLES_DOC)
  roles: string[];

  @ApiProperty(RESOURCE_ROLES_DOC)
  resource_roles: ResourceRoles;

  @ApiProperty(ATTRIBUTES_DOC)
  attributes: UserAttributes;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class UserPageDto implements UserPage {
  @ApiProperty({ type: [UserDto] })
  items: UserDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last page',
  })
  next_cursor: string | null;
}
