import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminApi } from './admin-api.decorator';
import { RotateKeysDto } from './keys.dto';
import { AdminKeysService, type RotateKeysAnswer } from './keys.service';

/** The token signing keys (docs/architecture.md §3: the JWKS keeps the previous key while its tokens live). */
@ApiTags('keys')
@AdminApi()
@Controller('admin/keys')
export class AdminKeysController {
  constructor(private readonly keys: AdminKeysService) {}

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the token signing keys',
    description:
      'A new key per algorithm is published in the JWKS at once and starts signing at ' +
      '`activates_at`, once every JWKS cache has seen it (KEY_PUBLISH_AHEAD_SECONDS). The ' +
      'previous key stays published until the tokens it signed have expired. Asking again ' +
      'while a rotation is pending answers the pending key.',
  })
  @ApiOkResponse({ type: RotateKeysDto })
  rotate(): Promise<RotateKeysAnswer> {
    return this.keys.rotate();
  }
}
