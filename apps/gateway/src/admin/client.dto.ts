import { ApiProperty, ApiPropertyOptional, IntersectionType, PartialType } from '@nestjs/swagger';
import type { ClientView } from '@latchkey/contracts';
import {
  APPLICATION_TYPES,
  GRANT_TYPES,
  ID_TOKEN_SIGNING_ALGS,
  LIFETIME_BOUNDS,
  MAX_CLIENT_NAME_LENGTH,
  RESPONSE_TYPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
  type ClientMetadata,
  type JsonWebKeySet,
} from '@latchkey/oauth';

/*
 * OpenAPI descriptions of the client API. These classes document the wire format; they do not
 * validate it: the client registry validates metadata (validateClientMetadata) and answers
 * RFC 7591 errors. `implements` keeps them in step with the contract types.
 */

/**
 * Defaults are said in words, not as `default`: code generators (openapi-typescript) make a
 * property with a default required, also in a request that may leave it out.
 */
const DEFAULT_IS = (value: unknown) => `Default when absent: ${String(value)}.`;

/** Metadata that always has a value once stored: the registry fills in the defaults. */
class ClientDefaultedFieldsDto {
  @ApiProperty({ enum: APPLICATION_TYPES, description: DEFAULT_IS('web') })
  application_type: ClientMetadata['application_type'];

  @ApiProperty({ type: [String], example: ['https://app.example.com/callback'] })
  redirect_uris: string[];

  @ApiProperty({ type: [String] })
  post_logout_redirect_uris: string[];

  @ApiProperty({
    enum: GRANT_TYPES,
    isArray: true,
    description: DEFAULT_IS('[authorization_code]'),
  })
  grant_types: ClientMetadata['grant_types'];

  @ApiProperty({
    enum: RESPONSE_TYPES,
    isArray: true,
    description: '[code] with authorization_code, else []',
  })
  response_types: ClientMetadata['response_types'];

  @ApiProperty({
    enum: TOKEN_ENDPOINT_AUTH_METHODS,
    description: DEFAULT_IS('client_secret_basic'),
  })
  token_endpoint_auth_method: ClientMetadata['token_endpoint_auth_method'];

  @ApiProperty({ enum: ID_TOKEN_SIGNING_ALGS, description: DEFAULT_IS('RS256') })
  id_token_signed_response_alg: ClientMetadata['id_token_signed_response_alg'];

  @ApiProperty({
    description: `First-party clients only: users are not asked for consent. ${DEFAULT_IS(false)}`,
  })
  skip_consent: boolean;
}

/** Metadata without a default. */
class ClientOptionalFieldsDto {
  @ApiPropertyOptional({ maxLength: MAX_CLIENT_NAME_LENGTH, example: 'Billing dashboard' })
  client_name?: string;

  @ApiPropertyOptional({
    description: 'Space-delimited scopes the client may obtain',
    example: 'openid profile offline_access',
  })
  scope?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'RFC 7517 JWK Set with the public keys of private_key_jwt (or use jwks_uri)',
  })
  jwks?: JsonWebKeySet;

  @ApiPropertyOptional({ format: 'uri' })
  jwks_uri?: string;

  @ApiPropertyOptional({
    minimum: LIFETIME_BOUNDS.access_token_lifetime.min,
    maximum: LIFETIME_BOUNDS.access_token_lifetime.max,
    description: 'Seconds',
  })
  access_token_lifetime?: number;

  @ApiPropertyOptional({
    minimum: LIFETIME_BOUNDS.refresh_token_lifetime.min,
    maximum: LIFETIME_BOUNDS.refresh_token_lifetime.max,
    description: 'Seconds',
  })
  refresh_token_lifetime?: number;

  @ApiPropertyOptional({
    minimum: LIFETIME_BOUNDS.id_token_lifetime.min,
    maximum: LIFETIME_BOUNDS.id_token_lifetime.max,
    description: 'Seconds',
  })
  id_token_lifetime?: number;

  @ApiPropertyOptional({ format: 'uri' })
  backchannel_logout_uri?: string;

  @ApiPropertyOptional({
    format: 'uri',
    example: 'https://api.example.com',
    description:
      'A registered API resource (RFC 8707): the audience of tokens that name no resource ' +
      'and carry no API scope',
  })
  default_resource?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['https://spa.example.com'],
    description:
      'Origins (scheme://host[:port]) of browser apps allowed to call the token, revocation ' +
      'and userinfo endpoints, besides the origins of the redirect URIs',
  })
  allowed_cors_origins?: string[];

  @ApiPropertyOptional({
    type: Boolean,
    description:
      'The ID Token carries the claims its scopes release (profile, email, claim scopes...), as ' +
      'userinfo does; otherwise only those the claims request parameter asks for in it',
  })
  id_token_claims?: boolean;
}

/** RFC 7591 §2 client metadata, as sent to create a client (every field optional). */
export class ClientMetadataDto
  extends IntersectionType(PartialType(ClientDefaultedFieldsDto), ClientOptionalFieldsDto)
  implements Partial<ClientMetadata> {}

/** RFC 7396 merge patch of a client: absent fields keep their value, null resets to the default. */
export class ClientPatchDto extends ClientMetadataDto {
  @ApiPropertyOptional({ description: 'A disabled client cannot authenticate or get tokens' })
  disabled?: boolean;
}

/** A client as the admin API shows it: its metadata with defaults applied, never a secret. */
export class ClientDto
  extends IntersectionType(ClientDefaultedFieldsDto, ClientOptionalFieldsDto)
  implements ClientView
{
  @ApiProperty({ example: 'b1f0c6f4-5d7e-4f5b-9a43-0e6f7bd1c0aa' })
  client_id: string;

  @ApiProperty({ description: 'RFC 7591: seconds since the epoch' })
  client_id_issued_at: number;

  @ApiPropertyOptional({ description: 'RFC 7591: 0 means the secret does not expire' })
  client_secret_expires_at?: number;

  @ApiProperty()
  disabled: boolean;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

/** A client with its plaintext secret: answered once, at creation or rotation. */
export class ClientWithSecretDto extends ClientDto {
  @ApiPropertyOptional({
    description: 'Only for confidential clients, and shown only in this response',
    example: 'Yk3n...',
  })
  client_secret?: string;
}

export class ClientPageDto {
  @ApiProperty({ type: [ClientDto] })
  items: ClientDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  next_cursor: string | null;
}

export class RotateSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    description:
      'How long the previous secret keeps working, in seconds (0: revoked at once). ' +
      DEFAULT_IS(0),
  })
  grace_period_seconds?: number;
}

export class RotatedSecretDto extends ClientDto {
  @ApiProperty({ description: 'The new secret, shown only in this response' })
  client_secret: string;
}
