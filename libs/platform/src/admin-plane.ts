import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { NotFound } from '@latchkey/oauth';

/**
 * The admin plane (docs/architecture.md §5): with ADMIN_PORT set, the gateway serves the admin
 * API, its OpenAPI document and Swagger UI, and `/metrics` on a second listener only. The public
 * port then answers those paths 404, so an Ingress that publishes the public port cannot expose
 * them, whatever its rules say. Probes answer on both listeners.
 */
const ADMIN_PLANE_PREFIXES = ['/admin', '/metrics'];
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

/** Requests that arrived on the admin listener carry this mark. */
const ON_ADMIN_PLANE = Symbol('latchkey.adminPlane');

type MarkedRequest = http.IncomingMessage & { [ON_ADMIN_PLANE]?: true };

/** Whether a path belongs to the admin plane: a prefix matched on whole path segments. */
export function isAdminPlanePath(path: string): boolean {
  return ADMIN_PLANE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/**
 * Express middleware, installed before any route when the admin plane is on: each listener
 * answers only its own paths. The refusal looks like any unknown path, so the public port does
 * not reveal that an admin plane exists.
 */
export function adminPlaneSeparation(req: Request, res: Response, next: NextFunction): void {
  const onAdminPlane = (req as unknown as MarkedRequest)[ON_ADMIN_PLANE] === true;
  if (PROBE_PATHS.has(req.path) || isAdminPlanePath(req.path) === onAdminPlane) return next();
  const notFound = new NotFound();
  res.status(notFound.status).setHeader('Cache-Control', 'no-store').json(notFound.toJSON());
}

/**
 * Starts the admin listener on the application's own request handler (one app, two ports) and
 * makes `app.close()` drain it too.
 */
export async function listenAdminPlane(
  app: INestApplication,
  port: number,
  host: string,
): Promise<http.Server> {
  const handler = app.getHttpAdapter().getInstance() as http.RequestListener;
  const server = http.createServer((req, res) => {
    (req as MarkedRequest)[ON_ADMIN_PLANE] = true;
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const closeApp = app.close.bind(app);
  app.close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closeApp();
    server.closeAllConnections();
    await closed;
  };
  return server;
}

/** The port a listener actually bound (tests bind port 0). */
export function boundPort(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
