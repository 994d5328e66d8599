import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { GrantView } from '@latchkey/contracts';

/*
 * OpenAPI descriptions of a user's grants, SSO sessions and remembered consents.
 */

/** One authorization of a client by a user (the token service's record): its refresh tokens. */
export class GrantDto implements GrantView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  client_id: string;

  @ApiProperty({ description: 'The user (OIDC sub)' })
  sub: string;

  @ApiProperty({ example: 'openid profile offline_access', description: 'Granted scopes' })
  scope: string;

  @ApiPropertyOptional({ description: 'The SSO session the grant was issued in (id_token sid)' })
  sid?: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  revoked_at?: string | null;
}

export class GrantListDto {
  @ApiProperty({ type: [GrantDto] })
  items: GrantDto[];
}

export class RevokedGrantsDto {
  @ApiProperty({ description: 'How many grants were active and are now revoked' })
  revoked: number;
}

/** An SSO session as an administrator sees it: never the cookie's secret id or its hash. */
export class SessionDto {
  @ApiProperty({ description: 'Public session id, as in id_tokens (sid)' })
  sid: string;

  @ApiProperty({ format: 'date-time', description: 'When the user signed in (auth_time)' })
  auth_time: string;

  @ApiProperty({ type: [String], example: ['pwd'], description: 'RFC 8176 methods' })
  amr: string[];

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time', description: 'Last use (recorded at most once a minute)' })
  last_seen_at: string;

  @ApiProperty({
    format: 'date-time',
    description: 'When the session ends unless used again (idle timeout or absolute lifetime)',
  })
  expires_at: string;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto] })
  items: SessionDto[];
}

export class EndedSessionsDto {
  @ApiProperty({ description: 'How many sessions were active and are now ended' })
  ended: number;
}

/** What a user has allowed a client, remembered so the consent page is not shown again. */
export class ConsentDto {
  @ApiProperty()
  client_id: string;

  @ApiProperty({ type: [String], example: ['openid', 'profile'] })
  scopes: string[];

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class ConsentListDto {
  @ApiProperty({ type: [ConsentDto] })
  items: ConsentDto[];
}
