import { DynamicModule, Module } from '@nestjs/common';
import { DEFAULT_BRAND, type BrandConfig } from '@latchkey/config';
import { AssetsController } from './assets.controller';
import { BRAND, PageRenderer } from './page.renderer';

/** Server-rendered pages (login, consent, logout, errors), their stylesheet and the brand; global. */
@Module({})
export class PagesModule {
  static forRoot(brand: BrandConfig = DEFAULT_BRAND): DynamicModule {
    return {
      module: PagesModule,
      global: true,
      controllers: [AssetsController],
      providers: [{ provide: BRAND, useValue: brand }, PageRenderer],
      exports: [PageRenderer, BRAND],
    };
  }
}
