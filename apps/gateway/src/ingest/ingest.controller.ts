import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiQuery,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ticketsIngestJsonSchema } from '@twe/queues';
import type { Request } from 'express';

import { errorResponseRef, validationErrorResponseRef } from '../common/api-errors';
import { AcceptsBodyTypes } from '../common/json-body.guard';
import { MIME_MESSAGE_TYPE } from './ingest-body-parsers';
import { ingestRefs, type IngestAcceptedDto, type IngestJobStatusDto } from './ingest.schemas';
import { IngestService } from './ingest.service';

@ApiTags('Ingest')
@Controller('api/ingest')
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @Post()
  @HttpCode(202)
  @AcceptsBodyTypes(MIME_MESSAGE_TYPE)
  @ApiOperation({
    summary: 'Feed a message from another system',
    description:
      'Processed exactly as if it had come through a mailbox, against all active ticket types. ' +
      'Asynchronous: 202 once the `tickets.ingest` job is queued; `statusUrl` tells when it was stored ' +
      'and which tickets it made. Repeating a request with the same source and Idempotency-Key ' +
      '(or the same content) ingests it once. Messages up to 25 MiB.',
  })
  @ApiQuery({
    name: 'source',
    required: false,
    description: `With ${MIME_MESSAGE_TYPE} (required there): the sending system, e.g. crm.`,
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Used when the body carries no idempotencyKey.',
  })
  @ApiAcceptedResponse({ schema: ingestRefs.accepted })
  @ApiBadRequestResponse({ schema: validationErrorResponseRef })
  @ApiPayloadTooLargeResponse({ schema: errorResponseRef })
  @ApiUnsupportedMediaTypeResponse({ schema: errorResponseRef })
  accept(
    @Req() request: Request,
    @Body() body: unknown,
    @Query('source') source: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<IngestAcceptedDto> {
    // By the header, not request.is(): that answers null for an empty body, which must get its own 400.
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType === MIME_MESSAGE_TYPE) {
      return this.ingest.ingestRaw(Buffer.isBuffer(body) ? body : Buffer.alloc(0), source, idempotencyKey);
    }
    return this.ingest.ingestJson(body, idempotencyKey);
  }

  @Get('schema')
  @ApiOperation({
    summary: 'The JSON Schema of the ingest payload (the same as the tickets.ingest job data)',
  })
  @ApiOkResponse({ schema: { type: 'object' } })
  schema(): Record<string, unknown> {
    return ticketsIngestJsonSchema();
  }

  @Get('jobs/:jobId')
  @ApiOperation({ summary: 'What became of an ingest job: stored message, tickets, or why it failed' })
  @ApiParam({ name: 'jobId', schema: { type: 'string' } })
  @ApiOkResponse({ schema: ingestRefs.status })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  status(@Param('jobId') jobId: string): Promise<IngestJobStatusDto> {
    return this.ingest.jobStatus(jobId);
  }
}
