import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { InvalidRequest } from '@latchkey/oauth';
import type { Request } from 'express';

/** A parsed JSON object body; its fields are still untrusted. */
export type JsonObject = Record<string, unknown>;

/** application/merge-patch+json (RFC 7396) is JSON too; its parser is the admin PATCH middleware. */
const JSON_TYPES = ['application/json', 'application/merge-patch+json'];

export interface JsonBodyOptions {
  /** An absent body is then an empty object (every field is optional). */
  optional?: boolean;
}

/**
 * The request body as a JSON object. Another media type (a form, whose parser also yields an
 * object) or another JSON value is invalid_request. Field-level validation belongs to the service
 * that owns the data, whose own errors (RFC 7591 invalid_client_metadata, ...) reach the caller
 * unchanged.
 */
export function readJsonObjectBody(req: Request, options: JsonBodyOptions = {}): JsonObject {
  if (options.optional && !hasBody(req)) return {};
  if (!req.is(JSON_TYPES)) {
    throw new InvalidRequest('the request body must be JSON (Content-Type: application/json)');
  }
  if (!isJsonObject(req.body)) throw new InvalidRequest('the request body must be a JSON object');
  return req.body;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 9112 §6.3: a request has a body when it has Transfer-Encoding or a non-zero Content-Length. */
function hasBody(req: Request): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0'
  );
}

/** Handler parameter: the JSON object body (errors go to the exception filter). */
export const JsonObjectBody = createParamDecorator(
  (options: JsonBodyOptions | undefined, ctx: ExecutionContext) =>
    readJsonObjectBody(ctx.switchToHttp().getRequest<Request>(), options),
);

/** Reads an optional integer field of a JSON body; another type or a value below `min` is invalid_request. */
export function readOptionalInteger(
  body: JsonObject,
  name: string,
  min: number,
): number | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidRequest(`${name} must be an integer of at least ${min}`);
  }
  return value;
}
