import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  IDENTITY_PROVIDER_KINDS,
  UPSTREAM_CLIENT_AUTH_METHODS,
  type ClaimMapping,
  type IdentityProviderKind,
  type IdentityProviderView,
  type LdapSettings,
  type UpstreamClientAuthMethod,
} from '@latchkey/contracts';

/*
 * OpenAPI descriptions of the identity provider endpoints (docs/identity-providers.md); the
 * client registry validates the input.
 */

/** An `ldap` provider's directory: always encrypted (ldaps://, or ldap:// with StartTLS). */
export class LdapSettingsDto implements LdapSettings {
  @ApiProperty({ example: 'ldaps://ldap.example.com:636', description: 'ldaps:// or ldap://' })
  url: string;

  @ApiProperty({
    description: 'Upgrade an ldap:// connection with StartTLS (required for ldap://)',
  })
  start_tls: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'PEM certificates of a private CA to trust for the directory; else the system CAs',
  })
  tls_ca: string | null;

  @ApiProperty({ example: 'cn=latchkey,ou=services,dc=example,dc=com' })
  bind_dn: string;

  @ApiProperty({ example: 'ou=people,dc=example,dc=com' })
  user_search_base: string;

  @ApiProperty({
    example: '(&(objectClass=inetOrgPerson)(uid={username}))',
    description: 'RFC 4515 filter; {username} is the typed username, escaped',
  })
  user_search_filter: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'ou=groups,dc=example,dc=com',
    description: 'Search groups here; null reads the user entry’s groups attribute (memberOf)',
  })
  group_search_base: string | null;

  @ApiProperty({
    example: '(member={dn})',
    description: 'RFC 4515 filter; {dn} is the user entry’s DN, escaped',
  })
  group_search_filter: string;

  @ApiProperty({ example: 5000, description: 'Deadline of connecting and of each operation (ms)' })
  timeout_ms: number;
}

/** The directory settings as given: url, bind_dn and user_search_base; the rest defaulted. */
export class LdapSettingsInputDto extends PartialType(
  OmitType(LdapSettingsDto, ['url', 'bind_dn', 'user_search_base'] as const),
) {
  @ApiProperty({ example: 'ldaps://ldap.example.com:636', description: 'ldaps:// or ldap://' })
  url: string;

  @ApiProperty({ example: 'cn=latchkey,ou=services,dc=example,dc=com' })
  bind_dn: string;

  @ApiProperty({ example: 'ou=people,dc=example,dc=com' })
  user_search_base: string;
}

/** An upstream identity provider, as the admin API shows it: never its client secret. */
export class IdentityProviderDto implements IdentityProviderView {
  @ApiProperty({
    example: 'corp-keycloak',
    description: 'Lower-case letters, digits and dashes: the idp claim, idp_hint and callback path',
  })
  id: string;

  @ApiProperty({ enum: IDENTITY_PROVIDER_KINDS })
  kind: IdentityProviderKind;

  @ApiProperty({ example: 'Corporate sign-in', description: 'Shown as "Continue with <name>"' })
  display_name: string;

  @ApiProperty()
  enabled: boolean;

  @ApiProperty({
    type: [String],
    nullable: true,
    description: 'The clients offered this provider; null for every client',
  })
  client_ids: string[] | null;

  @ApiProperty({
    type: [String],
    example: ['example.com'],
    description: 'E-mail domains routed to this provider (home-realm discovery)',
  })
  domains: string[];

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uri',
    description: 'oidc: the issuer; endpoints come from its discovery document',
  })
  issuer: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'uri' })
  authorization_endpoint: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'uri' })
  token_endpoint: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'uri' })
  userinfo_endpoint: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'uri' })
  jwks_uri: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The client id Latchkey is registered under at the upstream (null for ldap)',
  })
  client_id: string | null;

  @ApiProperty({ enum: UPSTREAM_CLIENT_AUTH_METHODS })
  client_auth_method: UpstreamClientAuthMethod;

  @ApiProperty({
    description: 'Whether the client secret (ldap: the bind password) is stored; never returned',
  })
  client_secret_set: boolean;

  @ApiProperty({ type: [String], example: ['openid', 'profile', 'email'] })
  scopes: string[];

  @ApiProperty({
    example: 'sub',
    description:
      'The claim (ldap: attribute, entryUUID by default) that identifies the user stably',
  })
  subject_claim: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { email: 'email', name: 'name', groups: 'groups' },
    description:
      'Local attribute (email, email_verified, name, given_name, family_name, ' +
      'preferred_username, groups) to upstream claim; a dotted name reads nested claims',
  })
  claim_mapping: ClaimMapping;

  @ApiProperty({ description: 'Also read userinfo (always for oauth2)' })
  use_userinfo: boolean;

  @ApiProperty({
    description:
      'Opt-in: link an existing local account with the same verified e-mail on first sign-in',
  })
  link_by_verified_email: boolean;

  @ApiPropertyOptional({
    type: LdapSettingsDto,
    description: 'ldap only (absent for the other kinds): the directory to search and bind against',
  })
  ldap?: LdapSettingsDto;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class CreateIdentityProviderDto extends PartialType(
  OmitType(IdentityProviderDto, [
    'client_secret_set',
    'created_at',
    'updated_at',
    'id',
    'kind',
    'client_id',
    'ldap',
  ] as const),
) {
  @ApiProperty({ example: 'corp-keycloak' })
  id: string;

  @ApiProperty({ enum: IDENTITY_PROVIDER_KINDS })
  kind: IdentityProviderKind;

  @ApiPropertyOptional({ description: 'Required for oidc and oauth2' })
  client_id?: string;

  @ApiPropertyOptional({
    type: LdapSettingsInputDto,
    description: 'Required for ldap: the directory (a PATCH merges its fields)',
  })
  ldap?: LdapSettingsInputDto;

  @ApiPropertyOptional({
    description: 'oidc, oauth2: sealed at rest with KEY_ENCRYPTION_KEY; write-only, never returned',
    writeOnly: true,
  })
  client_secret?: string;

  @ApiPropertyOptional({
    description: 'ldap: the bind_dn’s password, sealed at rest; write-only, never returned',
    writeOnly: true,
  })
  bind_password?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'client_auth_method private_key_jwt: the private JWK (RSA, EC or Ed25519) Latchkey signs ' +
      'its client assertions with; sealed at rest, write-only, never returned',
    writeOnly: true,
  })
  private_jwk?: Record<string, unknown>;
}

/** Merge patch of a provider; the id cannot change; a secret set to null is removed. */
export class IdentityProviderPatchDto extends PartialType(
  OmitType(CreateIdentityProviderDto, ['id'] as const),
) {}

export class IdentityProviderPageDto {
  @ApiProperty({ type: [IdentityProviderDto] })
  items: IdentityProviderDto[];

  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}
