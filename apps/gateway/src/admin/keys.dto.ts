import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class RotatedKeyDto {
  @ApiProperty({ example: 'RS256' })
  alg: string;

  @ApiProperty({ description: 'The new key: in the JWKS now, signing from activates_at on' })
  kid: string;

  @ApiPropertyOptional({ description: 'The key that signs until then; stays in the JWKS' })
  previous_kid?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the new key starts signing' })
  activates_at?: string;
}

/**
 * The rotation of every signing algorithm; the top-level members repeat the RS256 entry (the key
 * of every access token) for tools that show one key.
 */
export class RotateKeysDto extends RotatedKeyDto {
  @ApiProperty({ type: [RotatedKeyDto] })
  rotated: RotatedKeyDto[];
}
