import {
  Logger,
  Module,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
} from '@nestjs/common';
import {
  getDataSourceToken,
  getEntityManagerToken,
  getRepositoryToken,
  TypeOrmModule,
  type TypeOrmModuleOptions,
} from '@nestjs/typeorm';
import { DataSource, EntitySchema } from 'typeorm';
import { isDatabaseUnavailable } from './database.errors';
import { createDataSourceOptions, initializeDataSource } from './data-source.factory';
import type { PersistenceLogger } from './persistence.logger';
import {
  PERSISTENCE_OPTIONS,
  type DatabaseConnectionOptions,
  type ServicePersistenceOptions,
} from './persistence.options';

export interface PersistenceForServiceOptions extends ServicePersistenceOptions {
  /** DataSource name, only when one Nest application hosts several services' DataSources. */
  name?: string;
  /** Modules that export {@link PERSISTENCE_OPTIONS}, unless a global module provides it. */
  imports?: ModuleMetadata['imports'];
  /** Start-up connection attempts while the database is unreachable (default 10, 3 s apart). */
  retryAttempts?: number;
  retryDelay?: number;
}

export interface PersistenceRootAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: Array<string | symbol | (abstract new (...args: never[]) => unknown)>;
  useFactory: (...args: never[]) => DatabaseConnectionOptions | Promise<DatabaseConnectionOptions>;
}

/**
 * Nest wiring. The app (or the config module) provides where the database is once, with
 * `forRoot`/`forRootAsync` (global) or its own provider for {@link PERSISTENCE_OPTIONS}; each
 * service then declares its schema, entities and migrations with `forService`, which opens the
 * DataSource, migrates the schema before the app starts, and registers the entities' repositories
 * (`@InjectRepository(Grant)`). Nest closes the DataSource on shutdown.
 */
@Module({})
export class PersistenceModule {
  static forRoot(options: DatabaseConnectionOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [{ provide: PERSISTENCE_OPTIONS, useValue: options }],
      exports: [PERSISTENCE_OPTIONS],
    };
  }

  static forRootAsync(options: PersistenceRootAsyncOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: PERSISTENCE_OPTIONS,
          useFactory: options.useFactory,
          inject: options.inject ?? [],
        },
      ],
      exports: [PERSISTENCE_OPTIONS],
    };
  }

  static forService(options: PersistenceForServiceOptions): DynamicModule {
    const { schema, entities, migrations } = options;
    // @nestjs/typeorm keeps one process-wide list of DataSource names and warns about a second
    // `default` one, though each Nest application has its own container. Embedded mode runs four
    // applications in one process, so each DataSource is named after its schema, and the usual
    // tokens (`DataSource`, `@InjectRepository(Entity)`) point to it within the application.
    const name = options.name ?? `latchkey-${schema}`;
    const aliases = options.name === undefined ? defaultTokenAliases(name, entities) : [];
    const nestLogger = new Logger(`Persistence:${schema}`);
    // The configured logger (if any) wins for migration lines too; set when the options resolve.
    let logger: PersistenceLogger = nestLogger;
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          name,
          imports: options.imports ?? [],
          inject: [PERSISTENCE_OPTIONS],
          useFactory: (connection: DatabaseConnectionOptions): TypeOrmModuleOptions => {
            logger = connection.logger ?? nestLogger;
            return {
              ...createDataSourceOptions({ ...connection, logger, schema, entities, migrations }),
              retryAttempts: options.retryAttempts,
              retryDelay: options.retryDelay,
              // Retry only an unreachable database; a failing migration will fail again.
              toRetry: (err: unknown) => isDatabaseUnavailable(err),
            };
          },
          dataSourceFactory: async (dataSourceOptions) => {
            if (!dataSourceOptions) throw new Error('PersistenceModule: no DataSource options');
            return initializeDataSource(new DataSource(dataSourceOptions), schema, logger);
          },
        }),
        TypeOrmModule.forFeature(entityClasses(entities), name),
      ],
      providers: aliases,
      exports: [TypeOrmModule, ...aliases.map((alias) => alias.provide)],
      // As TypeORM's own default DataSource is: injectable anywhere in the application.
      global: aliases.length > 0,
    };
  }
}

/** The default DataSource, EntityManager and repository tokens, as aliases of the named ones. */
function defaultTokenAliases(
  name: string,
  entities: ServicePersistenceOptions['entities'],
): Array<{ provide: InjectionToken; useExisting: InjectionToken }> {
  return [
    { provide: getDataSourceToken(), useExisting: getDataSourceToken(name) },
    { provide: getEntityManagerToken(), useExisting: getEntityManagerToken(name) },
    ...entityClasses(entities).map((entity) => ({
      provide: getRepositoryToken(entity),
      useExisting: getRepositoryToken(entity, name),
    })),
  ];
}

/** forFeature takes classes and schemas only; glob strings are for the DataSource alone. */
function entityClasses(
  entities: ServicePersistenceOptions['entities'],
): Array<(abstract new (...args: never[]) => unknown) | EntitySchema> {
  const list: unknown[] = Array.isArray(entities) ? entities : Object.values(entities);
  return list.filter(
    (entity): entity is (abstract new (...args: never[]) => unknown) | EntitySchema =>
      typeof entity === 'function' || entity instanceof EntitySchema,
  );
}
