import { DynamicModule, Module } from '@nestjs/common';
import { ChangePublisher } from './change-publisher';
import { Clock } from './clock';
import { REGISTRY_SETTINGS, type RegistrySettings } from './registry-settings';
import { TransactionRunner } from './transaction-runner';

/** What every domain module of the registry shares: settings, time, transactions, change events. */
@Module({})
export class RegistryCoreModule {
  static forRoot(settings: RegistrySettings): DynamicModule {
    const providers = [
      { provide: REGISTRY_SETTINGS, useValue: settings },
      Clock,
      ChangePublisher,
      TransactionRunner,
    ];
    return { module: RegistryCoreModule, global: true, providers, exports: providers };
  }
}
