import { QueueName } from '@twe/queues';
import { z } from 'zod';

import { apiSchema } from '../common/openapi-registry';

export const QUEUE_NAMES = Object.values(QueueName) as [QueueName, ...QueueName[]];

export const listFailedJobsQuerySchema = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, { message: 'Must be an integer from 1 to 100' })
    .transform(Number)
    .pipe(z.int().min(1).max(100))
    .optional()
    .default(20),
  offset: z
    .string()
    .regex(/^\d{1,9}$/, { message: 'Must be an integer of 0 or more' })
    .transform(Number)
    .optional()
    .default(0),
});
export type ListFailedJobsQuery = z.output<typeof listFailedJobsQuerySchema>;

export const failedJobsQueryDocs = [
  {
    name: 'limit',
    required: false,
    schema: { type: 'integer' as const, minimum: 1, maximum: 100, default: 20 },
  },
  { name: 'offset', required: false, schema: { type: 'integer' as const, minimum: 0, default: 0 } },
];

export const queueCountsSchema = z.object({
  name: z.enum(QUEUE_NAMES),
  waiting: z.int(),
  active: z.int(),
  delayed: z.int(),
  failed: z.int(),
  completed: z.int(),
});
export type QueueCountsDto = z.infer<typeof queueCountsSchema>;

export const queueListSchema = z.object({ items: z.array(queueCountsSchema) });
export type QueueListDto = z.infer<typeof queueListSchema>;

const timestamp = z.iso.datetime();

export const failedJobSchema = z.object({
  id: z.string(),
  name: z.string(),
  data: z
    .record(z.string(), z.unknown())
    .nullable()
    .meta({
      description:
        'The payload (ids). For `tickets.ingest` only `source`, `kind` and `idempotencyKey` (never the message). ' +
        'null when the data does not match the queue payload schema (then nothing of it is shown).',
    }),
  failedReason: z.string().nullable(),
  attemptsMade: z.int(),
  createdAt: timestamp,
  processedAt: timestamp.nullable().meta({ description: 'When the last attempt started' }),
  failedAt: timestamp.nullable(),
});
export type FailedJobDto = z.infer<typeof failedJobSchema>;

export const failedJobPageSchema = z.object({
  queue: z.enum(QUEUE_NAMES),
  items: z.array(failedJobSchema).meta({ description: 'Most recently failed first' }),
  limit: z.int(),
  offset: z.int(),
  total: z.int().meta({ description: 'Jobs in the failed set' }),
});
export type FailedJobPageDto = z.infer<typeof failedJobPageSchema>;

export const retriedJobSchema = z.object({
  queue: z.enum(QUEUE_NAMES),
  id: z.string(),
  state: z
    .string()
    .meta({ description: 'The state after the retry (`waiting`, or further on if a worker took it)' }),
});
export type RetriedJobDto = z.infer<typeof retriedJobSchema>;

export const retryAllResultSchema = z.object({
  queue: z.enum(QUEUE_NAMES),
  retried: z.int().meta({ description: 'Failed jobs moved back to waiting' }),
});
export type RetryAllResultDto = z.infer<typeof retryAllResultSchema>;

export const queueRefs = {
  list: apiSchema('QueueList', queueListSchema, 'output'),
  failedPage: apiSchema('FailedJobPage', failedJobPageSchema, 'output'),
  retried: apiSchema('RetriedJob', retriedJobSchema, 'output'),
  retryAll: apiSchema('RetryAllFailedJobs', retryAllResultSchema, 'output'),
};
