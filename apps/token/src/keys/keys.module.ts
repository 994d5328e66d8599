import { DynamicModule, Module } from '@nestjs/common';
import { KeyEncryption } from '@latchkey/core';
import { KeyRotationScheduler } from './key-rotation.scheduler';
import { KeyRotationService } from './key-rotation.service';
import { KeysController } from './keys.controller';
import { PublishedKeySet } from './published-key-set';
import { SigningKeyMetrics } from './signing-key.metrics';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';

@Module({})
export class KeysModule {
  static forRoot(
    keyEncryptionKey: string,
    previousKeyEncryptionKeys: string[] = [],
  ): DynamicModule {
    return {
      module: KeysModule,
      // Global: every grant signs tokens with these keys (and derives refresh-token successors).
      global: true,
      controllers: [KeysController],
      providers: [
        {
          provide: KeyEncryption,
          useValue: new KeyEncryption(keyEncryptionKey, previousKeyEncryptionKeys),
        },
        SigningKeysRepository,
        SigningKeysService,
        PublishedKeySet,
        KeyRotationService,
        KeyRotationScheduler,
        SigningKeyMetrics,
      ],
      exports: [KeyEncryption, SigningKeysService, PublishedKeySet, KeyRotationService],
    };
  }
}
