import { z } from 'zod';

import { ticketsIngestPayload } from './ingest-payload';
import { QueueName } from './queue-names';

/**
 * Jobs carry ids, never mail bodies: the handler loads the row (PostgreSQL is the system of record).
 * The one exception, `tickets.ingest`, lives in ./ingest-payload.ts.
 */
export const mailFetchPayload = z.object({
  mailboxId: z.number().int().positive(),
  /** `schedule` = the job scheduler's run; `manual` = staff pressed "fetch now". */
  trigger: z.enum(['schedule', 'manual']),
});

export const inboundProcessPayload = z.object({
  inboundMessageId: z.number().int().positive(),
});

export const outboundSendPayload = z.object({
  emailQueueId: z.number().int().positive(),
});

export const assignmentProcessPayload = z.object({
  ticketLogId: z.number().int().positive(),
});

export const bounceProcessPayload = z.object({
  inboundMessageId: z.number().int().positive(),
});

export const jobPayloadSchemas = {
  [QueueName.MailFetch]: mailFetchPayload,
  [QueueName.InboundProcess]: inboundProcessPayload,
  [QueueName.TicketsIngest]: ticketsIngestPayload,
  [QueueName.AssignmentProcess]: assignmentProcessPayload,
  [QueueName.BounceProcess]: bounceProcessPayload,
  [QueueName.OutboundSend]: outboundSendPayload,
} as const satisfies Record<QueueName, z.ZodType>;

export type JobPayload<Q extends QueueName> = z.infer<(typeof jobPayloadSchemas)[Q]>;
export type MailFetchPayload = JobPayload<typeof QueueName.MailFetch>;
export type InboundProcessPayload = JobPayload<typeof QueueName.InboundProcess>;
export type OutboundSendPayload = JobPayload<typeof QueueName.OutboundSend>;
export type BounceProcessPayload = JobPayload<typeof QueueName.BounceProcess>;
export type TicketsIngestPayload = JobPayload<typeof QueueName.TicketsIngest>;

/** Validates a job's data on the consuming side; a malformed payload is a permanent failure. */
export function parseJobPayload<Q extends QueueName>(queue: Q, data: unknown): JobPayload<Q> {
  return jobPayloadSchemas[queue].parse(data) as JobPayload<Q>;
}
