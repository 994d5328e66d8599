import { Injectable, PipeTransform } from '@nestjs/common';
import type {
  AuditCheckpointsRequest,
  AuditExportRequest,
  AuditQueryRequest,
  AuditVerifyRequest,
} from '@latchkey/contracts';
import { InvalidRequest, readSingleParams } from '@latchkey/oauth';

const QUERY_PARAMS = [
  'type',
  'subject',
  'client_id',
  'sub',
  'since',
  'until',
  'limit',
  'cursor',
] as const;
const POSITIVE_INTEGER = /^[1-9][0-9]{0,14}$/;

/**
 * `GET /admin/audit?type=&subject=&client_id=&sub=&since=&until=&limit=&cursor=`: each at most
 * once, limit as a number. The audit service checks the values (formats, limit ≤ 500, cursor).
 */
@Injectable()
export class AuditQueryPipe implements PipeTransform<unknown, AuditQueryRequest> {
  transform(query: unknown): AuditQueryRequest {
    const { limit, ...filters } = readSingleParams(
      query as Record<string, unknown> | undefined,
      QUERY_PARAMS,
    );
    const request: AuditQueryRequest = { ...filters };
    if (limit !== undefined) request.limit = readPositiveInteger(limit, 'limit');
    return request;
  }
}

/** `GET /admin/audit/verify?from_seq=&to_seq=`. */
@Injectable()
export class AuditVerifyQueryPipe implements PipeTransform<unknown, AuditVerifyRequest> {
  transform(query: unknown): AuditVerifyRequest {
    const { from_seq, to_seq } = readSingleParams(query as Record<string, unknown> | undefined, [
      'from_seq',
      'to_seq',
    ]);
    const request: AuditVerifyRequest = {};
    if (from_seq !== undefined) request.from_seq = readPositiveInteger(from_seq, 'from_seq');
    if (to_seq !== undefined) request.to_seq = readPositiveInteger(to_seq, 'to_seq');
    return request;
  }
}

/** `GET /admin/audit/export?limit=&cursor=` and `GET /admin/audit/checkpoints?limit=&cursor=`. */
@Injectable()
export class AuditPageQueryPipe implements PipeTransform<
  unknown,
  AuditExportRequest & AuditCheckpointsRequest
> {
  transform(query: unknown): AuditExportRequest & AuditCheckpointsRequest {
    const { limit, cursor } = readSingleParams(query as Record<string, unknown> | undefined, [
      'limit',
      'cursor',
    ]);
    const request: AuditExportRequest & AuditCheckpointsRequest = {};
    if (cursor !== undefined) request.cursor = cursor;
    if (limit !== undefined) request.limit = readPositiveInteger(limit, 'limit');
    return request;
  }
}

/** The filters of `GET /admin/audit/stream?type=&subject=&client_id=`. */
export interface AuditStreamQuery {
  type?: string;
  subject?: string;
  client_id?: string;
}

@Injectable()
export class AuditStreamQueryPipe implements PipeTransform<unknown, AuditStreamQuery> {
  transform(query: unknown): AuditStreamQuery {
    return readSingleParams(query as Record<string, unknown> | undefined, [
      'type',
      'subject',
      'client_id',
    ]);
  }
}

/**
 * `Last-Event-ID` (HTML Living Standard, server-sent events): the seq of the last event the
 * client received; absent or empty, the tail starts at the newest event.
 */
export function readLastEventId(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (value.trim() === '0') return 0;
  return readPositiveInteger(value.trim(), 'Last-Event-ID');
}

function readPositiveInteger(value: string, name: string): number {
  if (!POSITIVE_INTEGER.test(value)) throw new InvalidRequest(`${name} must be a positive integer`);
  return Number(value);
}
