import { InboundState } from '@twe/persistence';
import { ticketsIngestPayload } from '@twe/queues';
import { z } from 'zod';

import { apiRequestBody, apiSchema } from '../common/openapi-registry';
import { MIME_MESSAGE_TYPE } from './ingest-body-parsers';

export const ingestAcceptedSchema = z.object({
  jobId: z
    .string()
    .meta({ description: 'The `tickets.ingest` job; the same for the same source + key (or content).' }),
  status: z.literal('queued'),
  statusUrl: z.string().meta({ example: '/api/ingest/jobs/ingest-5f0c…' }),
});
export type IngestAcceptedDto = z.infer<typeof ingestAcceptedSchema>;

export const ingestJobStatusSchema = z.object({
  jobId: z.string(),
  /** BullMQ's state of the ingest job (`completed` = stored; the ticket follows through inbound.process). */
  state: z.string().meta({ example: 'completed' }),
  inboundMessageId: z.int().nullable(),
  inboundState: z.enum(Object.values(InboundState) as [InboundState, ...InboundState[]]).nullable(),
  ticketIds: z.array(z.int()),
  /** Why the job failed for good (the validation message), or null. */
  failedReason: z.string().nullable(),
});
export type IngestJobStatusDto = z.infer<typeof ingestJobStatusSchema>;

export const ingestRefs = {
  payload: apiSchema('IngestPayload', ticketsIngestPayload, 'input'),
  accepted: apiSchema('IngestAccepted', ingestAcceptedSchema, 'output'),
  status: apiSchema('IngestJobStatus', ingestJobStatusSchema, 'output'),
};

apiRequestBody('/api/ingest', 'post', {
  required: true,
  description:
    'Either the JSON payload (the `tickets.ingest` contract: `kind` raw or structured) or the message ' +
    `itself as \`${MIME_MESSAGE_TYPE}\` (then \`?source=\` is required and \`Idempotency-Key\` optional).`,
  content: {
    'application/json': { schema: ingestRefs.payload },
    [MIME_MESSAGE_TYPE]: { schema: { type: 'string', format: 'binary' } },
  },
});
