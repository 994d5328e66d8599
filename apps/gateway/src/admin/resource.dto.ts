import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import type { ResourceView } from '@latchkey/contracts';

/*
 * OpenAPI descriptions of the API resource endpoints; the client registry validates the input.
 */

/** An API resource (resource server): the `aud` of the access tokens issued for it (RFC 8707). */
export class ResourceDto implements ResourceView {
  @ApiProperty({
    format: 'uri',
    example: 'https://api.example.com',
    description: 'Absolute URI; in paths, send it URL-encoded (https%3A%2F%2Fapi.example.com)',
  })
  identifier: string;

  @ApiProperty({ example: 'Billing API' })
  name: string;

  @ApiProperty({
    type: [String],
    example: ['invoices:read', 'invoices:write'],
    description: 'Scopes this resource defines; a scope belongs to one resource only',
  })
  scopes: string[];

  @ApiProperty({
    type: [String],
    example: ['billing-admin'],
    description:
      'Roles users can be given for this resource: a token for it carries the roles the user has for it in `roles`',
  })
  roles: string[];

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'invoices:read': 'See your invoices' },
    description:
      'What each scope lets an application do, shown on the consent page. In a merge patch, ' +
      'keys merge one by one and null removes one',
  })
  scope_descriptions: Record<string, string>;

  @ApiProperty({ description: 'Lifetime of access tokens for this audience, in seconds' })
  access_token_lifetime: number;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class CreateResourceDto extends OmitType(ResourceDto, [
  'roles',
  'scopes',
  'scope_descriptions',
  'access_token_lifetime',
  'created_at',
  'updated_at',
] as const) {
  @ApiPropertyOptional({
    type: [String],
    example: ['billing-admin'],
    description: 'Roles it defines',
  })
  roles?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['invoices:read', 'invoices:write'],
    description: 'Scopes this resource defines; a scope belongs to one resource only',
  })
  scopes?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'invoices:read': 'See your invoices' },
    description: 'What each scope lets an application do, shown on the consent page',
  })
  scope_descriptions?: Record<string, string>;

  @ApiPropertyOptional({ description: 'Seconds; the platform default when absent' })
  access_token_lifetime?: number;
}

/** Merge patch of a resource; the identifier cannot change. */
export class ResourcePatchDto extends PartialType(
  OmitType(CreateResourceDto, ['identifier'] as const),
) {}

export class ResourcePageDto {
  @ApiProperty({ type: [ResourceDto] })
  items: ResourceDto[];

  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}
