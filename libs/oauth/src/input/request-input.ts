import { InvalidRequest, NotFound } from '../errors/oauth-error';
import { parseBasicAuthorization } from '../client-auth';
import {
  decodePathSegment,
  IDENTIFIER_PARAMS,
  isIdentifierText,
  isParamText,
  isUtf8FormText,
} from './text';

/** An HTTP request as it reaches the edge, before any handler reads it. */
export interface RequestInput {
  /** The path, still percent-encoded, without the query. */
  path: string;
  /** The query string, still percent-encoded, without the `?`. */
  query: string;
  /** The parsed body (a form's strings and lists, or any JSON value), if any. */
  body?: unknown;
  /** The body's bytes were not UTF-8, or its form encoding did not decode to UTF-8. */
  bodyUndecodable?: boolean;
  authorization?: string;
}

/**
 * The edge's check of everything a request carries (docs/architecture.md §3, Errors), each part
 * refused with the error its endpoint owes: a path segment no id can hold names nothing (404
 * not_found), malformed Basic credentials are invalid_client (401), and any other parameter,
 * in the query or the body, is invalid_request (400).
 */
export function checkRequestInput(input: RequestInput): void {
  checkPath(input.path);
  checkQuery(input.query);
  if (input.bodyUndecodable) throw new InvalidRequest('the request body is not valid UTF-8');
  if (input.body !== undefined) checkValue(input.body, undefined);
  if (input.authorization !== undefined && /^basic(?: |$)/i.test(input.authorization.trim())) {
    // Throws invalid_client for anything a client_id or secret cannot hold.
    parseBasicAuthorization(input.authorization);
  }
}

function checkPath(path: string): void {
  for (const segment of path.split('/')) {
    const decoded = decodePathSegment(segment);
    if (decoded === undefined || !isIdentifierText(decoded)) throw new NotFound();
  }
}

function checkQuery(query: string): void {
  if (query === '') return;
  if (!isUtf8FormText(query)) throw new InvalidRequest('the query string is not valid UTF-8');
  for (const [name, value] of new URLSearchParams(query)) checkText(name, value);
}

/**
 * Walks a parsed body without recursion (its depth was bounded by the parser, but a walk that
 * cannot overflow needs no such trust): every key is an identifier, every string obeys the rule
 * of the parameter it belongs to, the nearest key above it.
 */
function checkValue(root: unknown, rootName: string | undefined): void {
  const pending: Array<[unknown, string | undefined]> = [[root, rootName]];
  while (pending.length > 0) {
    const [value, name] = pending.pop()!;
    if (typeof value === 'string') {
      checkText(name, value);
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push([item, name]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (!isIdentifierText(key)) throw refused(undefined);
        pending.push([item, key]);
      }
    }
  }
}

function checkText(name: string | undefined, value: string): void {
  if (name !== undefined && !isIdentifierText(name)) throw refused(undefined);
  if (!isParamText(name ?? '', value)) throw refused(name);
}

/** Names the parameter only when it is one of ours, so the answer never echoes the request. */
function refused(name: string | undefined): InvalidRequest {
  const which = name !== undefined && IDENTIFIER_PARAMS.has(name) ? name : 'a parameter';
  return new InvalidRequest(`${which} holds characters it cannot hold`);
}
