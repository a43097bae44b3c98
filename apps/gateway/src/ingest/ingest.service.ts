import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InboundMessage, TicketLog } from '@twe/persistence';
import {
  enqueueTicketsIngest,
  QueueName,
  ticketsIngestPayload,
  type TicketsIngestPayload,
} from '@twe/queues';
import type { Queue } from 'bullmq';
import type { z } from 'zod';

import { notFound, RequestValidationError } from '../common/api-errors';
import { BODY_FIELD, fieldErrorsFromIssues } from '../common/zod-validation.pipe';
import type { IngestAcceptedDto, IngestJobStatusDto } from './ingest.schemas';

/** Where a problem of a `message/rfc822` request is: the payload's fields come from several places. */
const RAW_REQUEST_FIELDS: Record<string, string> = {
  rawBase64: BODY_FIELD,
  source: 'source',
  idempotencyKey: 'Idempotency-Key',
};

/**
 * `POST /api/ingest` validates with the queue's own schema and enqueues; the ticket-processor stores
 * and processes the message (decision 0035). Nothing is written here, so a 400 leaves nothing behind.
 */
@Injectable()
export class IngestService {
  constructor(
    @InjectQueue(QueueName.TicketsIngest) private readonly queue: Queue,
    private readonly em: EntityManager,
  ) {}

  async ingestJson(body: unknown, idempotencyKeyHeader: string | undefined): Promise<IngestAcceptedDto> {
    const input =
      idempotencyKeyHeader !== undefined && isObject(body) && body['idempotencyKey'] === undefined
        ? { ...body, idempotencyKey: idempotencyKeyHeader }
        : body;
    return this.enqueue(validate(input, {}));
  }

  async ingestRaw(
    message: Buffer,
    source: string | undefined,
    idempotencyKey: string | undefined,
  ): Promise<IngestAcceptedDto> {
    const input = { kind: 'raw', source, idempotencyKey, rawBase64: message.toString('base64') };
    return this.enqueue(validate(input, RAW_REQUEST_FIELDS));
  }

  async jobStatus(jobId: string): Promise<IngestJobStatusDto> {
    // State first, then the job: a job read while still active, whose state is read a moment later
    // as completed, would show "completed" without its result.
    const state = await this.queue.getJobState(jobId);
    const job = state === 'unknown' ? undefined : await this.queue.getJob(jobId);
    if (!job) throw notFound('Ingest job', jobId);
    const returned = job.returnvalue as { inboundMessageId?: unknown } | null | undefined;
    const inboundMessageId =
      typeof returned?.inboundMessageId === 'number' ? returned.inboundMessageId : null;
    const inbound =
      inboundMessageId === null
        ? null
        : await this.em.findOne(InboundMessage, inboundMessageId, { fields: ['id', 'state'] });
    const logs =
      inboundMessageId === null
        ? []
        : await this.em.find(TicketLog, { inboundMessage: inboundMessageId }, { orderBy: { id: 'asc' } });
    return {
      jobId,
      state,
      inboundMessageId,
      inboundState: inbound?.state ?? null,
      ticketIds: [...new Set(logs.map((log) => log.ticket.id))],
      failedReason: job.failedReason || null,
    };
  }

  private async enqueue(payload: TicketsIngestPayload): Promise<IngestAcceptedDto> {
    const jobId = await enqueueTicketsIngest(this.queue, payload);
    return { jobId, status: 'queued', statusUrl: `/api/ingest/jobs/${jobId}` };
  }
}

function validate(input: unknown, fieldNames: Record<string, string>): TicketsIngestPayload {
  const result = ticketsIngestPayload.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map(clearerIssue);
  const errors = fieldErrorsFromIssues(issues, input).map((error) => ({
    ...error,
    field: fieldNames[error.field] ?? error.field,
  }));
  throw new RequestValidationError(errors);
}

/** A missing or unknown `kind` reads "Must be one of: "raw", "structured"" instead of "Has an invalid value". */
function clearerIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    return {
      code: 'invalid_value',
      values: issue.options as z.core.util.Primitive[],
      path: issue.path,
      message: issue.message,
    };
  }
  return issue;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
