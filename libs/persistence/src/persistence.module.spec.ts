import { Test } from '@nestjs/testing';
import { getDataSourceToken, getRepositoryToken } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { Widget, WIDGET_MIGRATIONS } from './fixtures/widget.fixture';
import { silentLogger } from './persistence.logger';
import { PersistenceModule } from './persistence.module';
import { openPgliteCount } from './pglite/pglite.registry';

jest.setTimeout(60_000);

describe('PersistenceModule', () => {
  it('opens and migrates the service schema, provides repositories, closes on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRoot({ dataDir: 'memory://nest-module', logger: silentLogger }),
        PersistenceModule.forService({
          schema: 'token',
          entities: [Widget],
          migrations: WIDGET_MIGRATIONS,
        }),
      ],
    }).compile();
    const app = await moduleRef.createNestApplication().init();
    const repo = app.get<Repository<Widget>>(getRepositoryToken(Widget));
    expect(await repo.countBy({ name: 'seed' })).toBe(1);
    const ds = app.get<DataSource>(getDataSourceToken());
    await app.close();
    expect(ds.isInitialized).toBe(false);
    expect(openPgliteCount()).toBe(0);
  });

  it('takes its connection options from a factory and supports named data sources', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRootAsync({
          useFactory: () => ({ dataDir: 'memory://nest-module-async', logger: silentLogger }),
        }),
        PersistenceModule.forService({
          name: 'audit',
          schema: 'audit',
          entities: [Widget],
          migrations: WIDGET_MIGRATIONS,
        }),
      ],
    }).compile();
    const app = await moduleRef.createNestApplication().init();
    const ds = app.get<DataSource>(getDataSourceToken('audit'));
    expect(await ds.getRepository(Widget).countBy({ name: 'seed' })).toBe(1);
    await app.close();
  });
});
