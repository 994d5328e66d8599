import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { OAuthErrorJson } from '@latchkey/oauth';

/** RFC 6749 §5.2 / RFC 6750 §3 / RFC 7591 §3.2.2 error body, as the exception filter renders it. */
export class OAuthErrorDto implements OAuthErrorJson {
  @ApiProperty({
    description:
      'invalid_request, invalid_token, insufficient_scope, invalid_client_metadata, ' +
      'invalid_redirect_uri, not_found, conflict, temporarily_unavailable, server_error',
  })
  error: string;

  @ApiPropertyOptional({ description: 'Human-readable detail, in English' })
  error_description?: string;
}
