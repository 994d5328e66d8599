import { Controller, Get, Param, Res } from '@nestjs/common';
import { NotFound } from '@latchkey/oauth';
import type { Response } from 'express';
import { PageRenderer } from './page.renderer';

/** The pages' stylesheet; its name carries a content hash, so caches may keep it forever. */
@Controller('assets')
export class AssetsController {
  constructor(private readonly pages: PageRenderer) {}

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const { fileName, css } = this.pages.stylesheet;
    if (file !== fileName) throw new NotFound('no such asset');
    res.setHeader('Content-Type', 'text/css; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.status(200).send(css);
  }
}
