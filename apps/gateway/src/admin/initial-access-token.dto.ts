import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CreateInitialAccessTokenResponse } from '@latchkey/contracts';

export class CreateInitialAccessTokenDto {
  @ApiPropertyOptional({ minimum: 60, default: 86_400, description: 'Lifetime in seconds' })
  expires_in?: number;

  @ApiPropertyOptional({ minimum: 1, default: 1, description: 'How many clients it may register' })
  max_uses?: number;
}

/** RFC 7591 §3: the Bearer token that authorizes registrations at `POST /register`. */
export class InitialAccessTokenDto implements CreateInitialAccessTokenResponse {
  @ApiProperty({ description: 'Shown only in this response' })
  initial_access_token: string;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;

  @ApiProperty()
  max_uses: number;
}
