import { Inject, Injectable, type INestApplication, Type } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AdminModule } from '../admin/admin.module';
import { ADMIN_BEARER } from '../admin/admin-api.decorator';
import { ISSUER } from '../issuer.module';
import {
  INITIAL_ACCESS_TOKEN,
  REGISTRATION_ACCESS_TOKEN,
} from '../registration/registration.controller';
import { RegistrationModule } from '../registration/registration.module';

/** The modules whose controllers the document describes. */
const DOCUMENTED_MODULES: Type[] = [AdminModule, RegistrationModule];

/**
 * The OpenAPI 3 document of the admin API and of dynamic registration, built once from the
 * controllers' decorators.
 */
@Injectable()
export class OpenApiService {
  private document?: OpenAPIObject;

  constructor(
    private readonly modules: ModulesContainer,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  get(): OpenAPIObject {
    this.document ??= SwaggerModule.createDocument(this.scannedApplication(), this.header(), {
      include: DOCUMENTED_MODULES,
    });
    return this.document;
  }

  private header(): Omit<OpenAPIObject, 'paths'> {
    return new DocumentBuilder()
      .setTitle('Latchkey admin API')
      .setDescription(
        'Manage OAuth clients and API resources, and register clients dynamically ' +
          '(RFC 7591/7592). Admin endpoints take an access token with the `admin` scope from ' +
          '`POST /token` (client_credentials).',
      )
      .setVersion('1')
      .addServer(this.issuer)
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'scope admin' },
        ADMIN_BEARER,
      )
      .addBearerAuth({ type: 'http', scheme: 'bearer' }, INITIAL_ACCESS_TOKEN)
      .addBearerAuth({ type: 'http', scheme: 'bearer' }, REGISTRATION_ACCESS_TOKEN)
      .build();
  }

  /**
   * SwaggerModule scans an INestApplication, which only the code that created the app holds (the
   * shared service runner). It reads the module container, the (empty) global prefix and
   * versioning config, and the adapter type; the running app's own container and adapter are
   * injectable, so the scan sees exactly the routes this app serves. The admin-api e2e test
   * checks the document's paths, so a change in what the scanner reads shows up there.
   */
  private scannedApplication(): INestApplication {
    const view = {
      container: { getModules: () => this.modules },
      config: new ApplicationConfig(),
      getHttpAdapter: () => this.adapterHost.httpAdapter,
    };
    return view as unknown as INestApplication;
  }
}
