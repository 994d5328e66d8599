import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { ClientDto, ClientMetadataDto } from '../admin/client.dto';

/** RFC 7592 §2.2: the full metadata that replaces the registration, with the client's own id. */
export class ClientUpdateDto extends ClientMetadataDto {
  @ApiProperty({ description: 'The client_id in the path (RFC 7592 §2.2)' })
  client_id: string;
}

/** RFC 7591 §3.2.1 client information response with the RFC 7592 §3 management fields. */
export class ClientRegistrationDto extends OmitType(ClientDto, [
  'disabled',
  'created_at',
  'updated_at',
] as const) {
  @ApiPropertyOptional({ description: 'Confidential clients only; shown only in this answer' })
  client_secret?: string;

  @ApiPropertyOptional({
    description:
      'Bearer token for GET/PUT/DELETE on registration_client_uri; present when issued ' +
      '(registration, and whenever it is rotated)',
  })
  registration_access_token?: string;

  @ApiProperty({ format: 'uri', example: 'https://id.example.com/register/b1f0c6f4' })
  registration_client_uri: string;
}
