import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type {
  AuditQueryRequest,
  AuditQueryResponse,
  AuditVerifyRequest,
  AuditVerifyResponse,
} from '@latchkey/contracts';
import { AdminApi } from '../admin/admin-api.decorator';
import { OAuthErrorDto } from '../errors/oauth-error.dto';
import { AuditPageDto, AuditVerifyDto } from './audit.dto';
import { AuditQueryPipe, AuditVerifyQueryPipe } from './audit-query.pipe';
import { AdminAuditService } from './audit.service';

const filter = (name: string, description: string) =>
  ApiQuery({ name, required: false, type: String, description });

/** The audit log (docs/architecture.md §6): what happened, who did it, and proof that nothing was changed. */
@ApiTags('audit')
@AdminApi()
@Controller('admin/audit')
export class AdminAuditController {
  constructor(private readonly audit: AdminAuditService) {}

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
}
