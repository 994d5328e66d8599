import { Inject, Injectable, type INestApplication, Type } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AdminModule } from '../admin/admin.module';
import { AuditQueryModule } from '../audit/audit-query.module';
import { ADMIN_BEARER } from '../admin/admin-api.decorator';
import { AdminGrantsModule } from '../admin/grants.module';
import { ISSUER } from '@latchkey/oauth-http';
import {
  INITIAL_ACCESS_TOKEN,
  REGISTRATION_ACCESS_TOKEN,
} from '../registration/registration.controller';
import { RegistrationModule } from '../registration/registration.module';
import { UsersModule } from '../users/users.module';

/** The modules whose controllers the document describes. */
const DOCUMENTED_MODULES: Type[] = [
  AdminModule,
  AdminGrantsModule,
  UsersModule,
  AuditQueryModule,
  RegistrationModule,
];

/**
 * The OpenAPI 3 document of the admin API and of dynamic registration, built once from the
 * controllers' decorators.
 */
@Injectable()
export class OpenApiService {
  private document?: OpenAPIObject;

  constructor(@Inject(ISSUER) private readonly issuer: string) {}

  /** Builds the document from the running application (called once at start, see main.ts). */
  build(app: INestApplication): void {
    this.document = SwaggerModule.createDocument(app, this.header(), {
      include: DOCUMENTED_MODULES,
    });
  }

  get(): OpenAPIObject {
    if (!this.document) throw new Error('OpenAPI document not built: call configureGateway(app)');
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
}
