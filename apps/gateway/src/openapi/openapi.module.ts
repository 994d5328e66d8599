import { Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller';
import { OpenApiService } from './openapi.service';

/** GET /admin/openapi.json and the Swagger UI page at /admin/docs (no admin token needed). */
@Module({ controllers: [OpenApiController], providers: [OpenApiService] })
export class OpenApiModule {}
