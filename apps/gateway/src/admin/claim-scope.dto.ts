import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ClaimScopeView } from '@latchkey/contracts';

/*
 * OpenAPI descriptions of the claim scope endpoints; the client registry validates the input.
 */

const CLAIMS_DOC = {
  type: 'object',
  additionalProperties: { type: 'string' },
  example: { department: 'department', employee_number: 'employee_id' },
  description:
    'Claim name → the user attribute its value is read from. Protocol and standard claims ' +
    '(sub, email, roles, groups...) cannot be mapped.',
} as const;

/** A scope that releases claims read from user attributes (docs/architecture.md §7). */
export class ClaimScopeDto implements ClaimScopeView {
  @ApiProperty({ example: 'user_profile', description: 'The scope token' })
  name: string;

  @ApiProperty({ type: String, nullable: true, example: 'Your department and employee number' })
  description: string | null;

  @ApiProperty(CLAIMS_DOC)
  claims: Record<string, string>;

  @ApiProperty({ description: "Listed in discovery's scopes_supported (and its claims)" })
  public: boolean;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class CreateClaimScopeDto {
  @ApiProperty({ example: 'user_profile', maxLength: 128 })
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 300 })
  description?: string | null;

  @ApiProperty(CLAIMS_DOC)
  claims: Record<string, string>;

  @ApiPropertyOptional({ default: false })
  public?: boolean;
}

/** Merge patch of a claim scope; `claims` is merged too (null removes a claim). */
export class ClaimScopePatchDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 300 })
  description?: string | null;

  @ApiPropertyOptional({
    ...CLAIMS_DOC,
    additionalProperties: { type: 'string', nullable: true },
  })
  claims?: Record<string, string | null>;

  @ApiPropertyOptional()
  public?: boolean;
}

export class ClaimScopePageDto {
  @ApiProperty({ type: [ClaimScopeDto] })
  items: ClaimScopeDto[];

  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}
