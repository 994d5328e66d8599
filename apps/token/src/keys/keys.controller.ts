import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { JwksResponse, TokenSubjects } from '@latchkey/contracts';
import { SigningKeysService } from './signing-keys.service';

@Controller()
export class KeysController {
  constructor(private readonly keys: SigningKeysService) {}

  @MessagePattern(TokenSubjects.Jwks)
  jwks(): Promise<JwksResponse> {
    return this.keys.jwks();
  }
}
