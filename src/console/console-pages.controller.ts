/**
 * The console's page and assets: `GET /console` (the one HTML page) and `GET /console/assets/<file>`
 * (its script modules, compiled from console-ui/ into dist/console-ui, its stylesheet and icon). Only
 * plain file names are served, from those two folders. A policy that allows scripts and styles
 * from this server only: no inline script or style, nothing from elsewhere.
 */
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NotFoundError } from '../errors/sts-errors';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The repository root, from src/console (tests) as from dist/console (the build). */
const ROOT = resolve(__dirname, '..', '..');
const STATIC_DIR = join(ROOT, 'console-ui', 'static');
const SCRIPTS_DIR = join(ROOT, 'dist', 'console-ui');
const CONTENT_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };

@ApiExcludeController()
@Controller('console')
export class ConsolePagesController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', CONSOLE_CSP)
  page(): Buffer {
    return readFileSync(join(STATIC_DIR, 'index.html'));
  }

  @Get('assets/:file')
  @Header('content-security-policy', CONSOLE_CSP)
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const match = /^[a-z][a-z0-9-]*\.(js|css|svg)$/.exec(file);
    const path = match && join(match[1] === 'js' ? SCRIPTS_DIR : STATIC_DIR, file);
    if (!match || !path || !existsSync(path)) throw new NotFoundError(`The console has no asset ${file}.`, { code: 'console_asset_not_found' });
    void reply.header('content-type', CONTENT_TYPES[match[1]]);
    return readFileSync(path);
  }
}
