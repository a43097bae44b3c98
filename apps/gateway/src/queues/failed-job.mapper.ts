import { jobPayloadSchemas, QueueName } from '@twe/queues';
import type { Job } from 'bullmq';

import type { FailedJobDto } from './queue.schemas';

/** The fields of an ingest job that identify it; the rest is the message itself (body, attachments). */
const INGEST_SUMMARY_FIELDS = ['source', 'kind', 'idempotencyKey'] as const;

export function toFailedJobDto(queue: QueueName, job: Job): FailedJobDto {
  return {
    id: String(job.id),
    name: job.name,
    data: visibleData(queue, job.data),
    failedReason: job.failedReason || null,
    attemptsMade: job.attemptsMade,
    createdAt: new Date(job.timestamp).toISOString(),
    processedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

/**
 * What staff may see of a job's data. Ingest jobs carry a whole message (and whatever the sender put
 * in it): only its identifying fields are shown. Every other payload is ids, shown as its schema
 * parses it (unknown keys dropped); data that does not parse is not shown at all, since nothing says
 * what it holds.
 */
function visibleData(queue: QueueName, data: unknown): Record<string, unknown> | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  if (queue === QueueName.TicketsIngest) {
    const record = data as Record<string, unknown>;
    const summary: Record<string, unknown> = {};
    for (const field of INGEST_SUMMARY_FIELDS) {
      if (typeof record[field] === 'string') summary[field] = record[field];
    }
    return summary;
  }
  const parsed = jobPayloadSchemas[queue].safeParse(data);
  return parsed.success ? (parsed.data as Record<string, unknown>) : null;
}
