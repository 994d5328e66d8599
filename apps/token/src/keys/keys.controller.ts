import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { JwksResponse, type RotateKeysResponse, TokenSubjects } from '@latchkey/contracts';
import { KeyRotationService } from './key-rotation.service';
import { SigningKeysService } from './signing-keys.service';

@Controller()
export class KeysController {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly rotation: KeyRotationService,
  ) {}

  @MessagePattern(TokenSubjects.Jwks)
  jwks(): Promise<JwksResponse> {
    return this.keys.jwks();
  }

  /** The admin API's `POST /admin/keys/rotate`: the new keys, and when they start signing. */
  @MessagePattern(TokenSubjects.RotateKeys)
  rotate(): Promise<RotateKeysResponse> {
    return this.rotation.rotateNow();
  }
}
