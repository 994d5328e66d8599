import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type {
  AuditCheckpointsRequest,
  AuditCheckpointsResponse,
  AuditExportRequest,
  AuditExportResponse,
  AuditKeysResponse,
  AuditQueryRequest,
  AuditQueryResponse,
  AuditVerifyRequest,
  AuditVerifyResponse,
} from '@latchkey/contracts';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/admin.guard';
import { AdminApi } from '../admin/admin-api.decorator';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import {
  AuditCheckpointPageDto,
  AuditExportPageDto,
  AuditKeysDto,
  AuditPageDto,
  AuditVerifyDto,
} from './audit.dto';
import {
  AuditPageQueryPipe,
  AuditQueryPipe,
  type AuditStreamQuery,
  AuditStreamQueryPipe,
  AuditVerifyQueryPipe,
  readLastEventId,
} from './audit-query.pipe';
import { AdminAuditService } from './audit.service';
import { AuditStreamService } from './audit-stream.service';
import { writeAuditStream } from './audit-stream.writer';

const filter = (name: string, description: string) =>
  ApiQuery({ name, required: false, type: String, description });

/** The audit log (docs/architecture.md §6): what happened, who did it, and proof that nothing was changed. */
@ApiTags('audit')
@AdminApi()
@Controller('admin/audit')
export class AdminAuditController {
  constructor(
    private readonly audit: AdminAuditService,
    private readonly streams: AuditStreamService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List audit events, newest first, a page at a time' })
  @filter('type', 'Event type, e.g. token.issued')
  @filter('subject', 'What the event is about (a client id, a user id...)')
  @filter('client_id', 'The client involved')
  @filter('sub', 'The end-user involved')
  @filter('since', 'RFC 3339 date-time: events at or after it')
  @filter('until', 'RFC 3339 date-time: events before it')
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1 to 500, default 100' })
  @filter('cursor', 'next_cursor of the previous page')
  @ApiOkResponse({ type: AuditPageDto })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: 'invalid_request: a malformed filter, limit or cursor',
  })
  list(@Query(AuditQueryPipe) query: AuditQueryRequest): Promise<AuditQueryResponse> {
    return this.audit.query(query);
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the hash chain',
    description:
      'Recomputes every row (or those from from_seq to to_seq) and reports the first one whose hash or link is wrong.',
  })
  @ApiQuery({ name: 'from_seq', required: false, type: Number })
  @ApiQuery({ name: 'to_seq', required: false, type: Number })
  @ApiOkResponse({ type: AuditVerifyDto })
  @ApiBadRequestResponse({ type: OAuthErrorDto, description: 'invalid_request: a malformed range' })
  verify(@Query(AuditVerifyQueryPipe) range: AuditVerifyRequest): Promise<AuditVerifyResponse> {
    return this.audit.verify(range);
  }

  @Get('export')
  @ApiOperation({
    summary: 'Export the chain, oldest first, a page at a time',
    description:
      'Every stored event exactly as hashed, with seq, prev_hash and hash: what `latchkey audit export` writes and `latchkey audit verify` checks offline.',
  })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1 to 1000, default 500' })
  @filter('cursor', 'next_cursor of the previous page')
  @ApiOkResponse({ type: AuditExportPageDto })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: 'invalid_request: a bad limit or cursor',
  })
  export(@Query(AuditPageQueryPipe) page: AuditExportRequest): Promise<AuditExportResponse> {
    return this.audit.export(page);
  }

  @Get('checkpoints')
  @ApiOperation({
    summary: 'List signed checkpoints of the chain head, oldest first',
    description:
      'Each is a compact JWS (EdDSA) over the seq, hash and time of the chain head, verifiable with GET /admin/audit/keys.',
  })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1 to 1000, default 500' })
  @filter('cursor', 'next_cursor of the previous page')
  @ApiOkResponse({ type: AuditCheckpointPageDto })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: 'invalid_request: a bad limit or cursor',
  })
  checkpoints(
    @Query(AuditPageQueryPipe) page: AuditCheckpointsRequest,
  ): Promise<AuditCheckpointsResponse> {
    return this.audit.checkpoints(page);
  }

  @Get('keys')
  @ApiOperation({
    summary: 'The JWKS that verifies audit checkpoints, and the event keys',
    description:
      "The audit service's Ed25519 public keys (current and replaced) in `keys`, and the keys the services sign events with in `event_keys`. Keep a copy obtained out of band to verify exports with.",
  })
  @ApiOkResponse({ type: AuditKeysDto })
  keys(): Promise<AuditKeysResponse> {
    return this.audit.keys();
  }

  @Get('stream')
  @ApiOperation({
    summary: 'Follow the audit log live (Server-Sent Events)',
    description:
      'Each stored event as one SSE message (`id` is its seq, `data` the event as GET /admin/audit lists it), oldest first, then each new one as it is stored; comment lines are heartbeats. Reconnect with Last-Event-ID to go on without missing or repeating one. The stream ends when the access token expires.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'seq of the last event received; without it the stream starts after the newest',
  })
  @filter('type', 'Only events of this type')
  @filter('subject', 'Only events about this subject')
  @filter('client_id', 'Only events of this client')
  @ApiOkResponse({ description: 'text/event-stream of stored events' })
  @ApiBadRequestResponse({
    type: OAuthErrorDto,
    description: 'invalid_request: a bad filter or Last-Event-ID',
  })
  @ApiTooManyRequestsResponse({
    type: OAuthErrorDto,
    description: 'temporarily_unavailable: every live stream slot of this gateway is taken',
  })
  async stream(
    @Query(AuditStreamQueryPipe) query: AuditStreamQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const afterSeq = readLastEventId(lastEventId);
    const lease = this.streams.acquire();
    try {
      // Before the 200 goes out: bad filters and an unreachable audit service answer as errors.
      const start = await this.audit.streamStart(query, afterSeq);
      await writeAuditStream({
        response,
        follow: (signal) => this.streams.follow({ ...query, afterSeq: start }, signal),
        signal: lease.signal,
        heartbeatSeconds: this.streams.config.heartbeatSeconds,
        expiresAt: (request.accessToken?.exp ?? 0) * 1000,
      });
    } finally {
      lease.release();
    }
  }
}
