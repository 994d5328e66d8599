import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CreateInitialAccessTokenResponse } from '@latchkey/contracts';

export class CreateInitialAccessTokenDto {
  @ApiPropertyOptional({ minimum: 60, description: 'Lifetime in seconds; 86400 when absent' })
  expires_in?: number;

  @ApiPropertyOptional({
    minimum: 1,
    description: 'How many clients it may register; 1 when absent',
  })
  max_uses?: number;

  @ApiPropertyOptional({
    description:
      'Scopes the clients it registers may hold (space-delimited, never admin). Default: the OpenID Connect scopes only, no API scopes',
    example: 'openid profile orders:read',
  })
  scope?: string;

  @ApiPropertyOptional({
    type: [String],
    enum: ['authorization_code', 'refresh_token', 'client_credentials'],
    description:
      'Grant types the clients it registers may use. Default: authorization_code, refresh_token',
  })
  grant_types?: string[];

  @ApiPropertyOptional({
    description:
      'The one default_resource the clients it registers may name (which also lets them introspect tokens for it). Default: none',
  })
  default_resource?: string;
}

/** RFC 7591 §3: the Bearer token that authorizes registrations at `POST /register`. */
export class InitialAccessTokenDto implements CreateInitialAccessTokenResponse {
  @ApiProperty({ description: 'Shown only in this response' })
  initial_access_token: string;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;

  @ApiProperty()
  max_uses: number;

  @ApiPropertyOptional()
  scope?: string;

  @ApiPropertyOptional({ type: [String] })
  grant_types?: string[];

  @ApiPropertyOptional()
  default_resource?: string;
}
