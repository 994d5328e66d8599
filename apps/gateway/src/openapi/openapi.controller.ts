import { Controller, Get, Header, Inject, Param, StreamableFile } from '@nestjs/common';
import { ApiExcludeController, type OpenAPIObject } from '@nestjs/swagger';
import { NotFound } from '@latchkey/oauth';
import { ISSUER } from '@latchkey/oauth-http';
import { OpenApiService } from './openapi.service';
import { DOCS_CONTENT_SECURITY_POLICY, docsAsset, docsPage } from './swagger-ui';

/**
 * The admin API's description, public on purpose (it holds no data): the OpenAPI document and
 * Swagger UI to read it and try requests with an admin token.
 */
@ApiExcludeController()
@Controller('admin')
export class OpenApiController {
  private readonly page: string;

  constructor(
    private readonly openapi: OpenApiService,
    @Inject(ISSUER) issuer: string,
  ) {
    this.page = docsPage(issuer);
  }

  @Get('openapi.json')
  @Header('Cache-Control', 'no-store')
  document(): OpenAPIObject {
    return this.openapi.get();
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY)
  @Header('X-Frame-Options', 'DENY')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  docs(): string {
    return this.page;
  }

  /** Only the files the page loads; versioned with the package, so caches may keep them a while. */
  @Get('docs/:asset')
  @Header('Cache-Control', 'public, max-age=3600')
  @Header('X-Content-Type-Options', 'nosniff')
  asset(@Param('asset') name: string): StreamableFile {
    const asset = docsAsset(name);
    if (!asset) throw new NotFound();
    return new StreamableFile(asset.body, { type: asset.contentType, length: asset.body.length });
  }
}
