import { Injectable } from '@nestjs/common';
import {
  DEFAULT_SIGNING_ALGORITHM,
  type RotateKeysResponse,
  TokenSubjects,
} from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';

type RotatedKey = RotateKeysResponse['rotated'][number];

/** `POST /admin/keys/rotate`: the default algorithm's rotation on top, and all of them. */
export type RotateKeysAnswer = Partial<RotatedKey> & { rotated: RotatedKey[] };

/** Signing-key rotation on demand, done by the token service. */
@Injectable()
export class AdminKeysService {
  constructor(private readonly bus: BusClient) {}

  async rotate(): Promise<RotateKeysAnswer> {
    const { rotated } = await this.bus.request<RotateKeysResponse>(TokenSubjects.RotateKeys, {});
    const main = rotated.find((key) => key.alg === DEFAULT_SIGNING_ALGORITHM);
    return { ...main, rotated };
  }
}
