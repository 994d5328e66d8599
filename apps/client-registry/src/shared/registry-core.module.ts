import { DynamicModule, Module } from '@nestjs/common';
import { ClockModule } from '@latchkey/core';
import { ChangePublisher } from './change-publisher';
import { REGISTRY_SETTINGS, type RegistrySettings } from './registry-settings';
import { TransactionRunner } from './transaction-runner';

/** What every domain module of the registry shares: settings, time, transactions, change events. */
@Module({})
export class RegistryCoreModule {
  static forRoot(settings: RegistrySettings): DynamicModule {
    const providers = [
      { provide: REGISTRY_SETTINGS, useValue: settings },
      ChangePublisher,
      TransactionRunner,
    ];
    return {
      module: RegistryCoreModule,
      global: true,
      imports: [ClockModule],
      providers,
      exports: providers,
    };
  }
}
