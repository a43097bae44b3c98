import { BOUNCE_REASONS } from '@twe/domain';
import {
  BounceEmailMatch,
  BounceRecordKind,
  BounceSource,
  EmailPurpose,
  EmailStatus,
} from '@twe/persistence';
import { z } from 'zod';

import { apiSchema } from '../common/openapi-registry';

const KINDS = Object.values(BounceRecordKind) as [BounceRecordKind, ...BounceRecordKind[]];
const SOURCES = Object.values(BounceSource) as [BounceSource, ...BounceSource[]];
const MATCHES = Object.values(BounceEmailMatch) as [BounceEmailMatch, ...BounceEmailMatch[]];
const EMAIL_STATUSES = Object.values(EmailStatus) as [EmailStatus, ...EmailStatus[]];
const PURPOSES = Object.values(EmailPurpose) as [EmailPurpose, ...EmailPurpose[]];
export const BOUNCE_STATES = ['unresolved', 'resolved', 'all'] as const;
export const BOUNCE_SEVERITIES = ['hard', 'soft'] as const;

/** Query strings arrive as text: numbers and dates are parsed here; unknown parameters are errors (typos). */
const positiveInt = z
  .string()
  .regex(/^\d{1,10}$/, { message: 'Must be a positive integer' })
  .transform(Number)
  .pipe(z.int().min(1).max(2_147_483_647));

/**
 * `2026-12-04` (the whole day) or a full ISO timestamp. `from` is inclusive; `to` is inclusive for a
 * date (up to the end of that day) and exact for a timestamp.
 */
const dateOrTimestamp = (bound: 'from' | 'to') =>
  z
    .union([z.iso.date(), z.iso.datetime({ offset: true })], {
      message: 'Must be a date (YYYY-MM-DD) or an ISO 8601 timestamp',
    })
    .transform((value) => {
      if (value.length > 10) return new Date(value);
      const day = new Date(`${value}T00:00:00.000Z`);
      return bound === 'from' ? day : new Date(day.getTime() + 86_400_000 - 1);
    });

export const listBouncesQuerySchema = z.strictObject({
  page: positiveInt.optional().default(1),
  pageSize: z
    .string()
    .regex(/^\d{1,3}$/, { message: 'Must be an integer from 1 to 100' })
    .transform(Number)
    .pipe(z.int().min(1).max(100))
    .optional()
    .default(20),
  status: z.enum(BOUNCE_STATES).optional().default('unresolved'),
  kind: z
    .enum([...KINDS, 'all'])
    .optional()
    .default('bounce'),
  reason: z
    .string()
    .refine((word) => (BOUNCE_REASONS as readonly string[]).includes(word), {
      message: 'Must be a reason word of the bounce parser, such as userunknown',
    })
    .optional(),
  type: z.enum(BOUNCE_SEVERITIES).optional(),
  from: dateOrTimestamp('from').optional(),
  to: dateOrTimestamp('to').optional(),
  contactId: positiveInt.optional(),
});
export type ListBouncesQuery = z.output<typeof listBouncesQuerySchema>;

/** The contact's bounces tab: the same filters, except that every state is shown by default. */
export const contactBouncesQuerySchema = listBouncesQuerySchema
  .omit({ contactId: true, status: true })
  .extend({
    status: z.enum(BOUNCE_STATES).optional().default('all'),
  });
export type ContactBouncesQuery = z.output<typeof contactBouncesQuerySchema>;

const queryDoc = (name: string, schema: Record<string, unknown>, description?: string) => ({
  name,
  required: false,
  description,
  schema,
});
const commonQueryDocs = [
  queryDoc('page', { type: 'integer', minimum: 1, default: 1 }),
  queryDoc('pageSize', { type: 'integer', minimum: 1, maximum: 100, default: 20 }),
  queryDoc(
    'kind',
    { type: 'string', enum: [...KINDS, 'all'], default: 'bounce' },
    'What reached the bounce mailbox; `bounce` by default (auto-replies are not bounces)',
  ),
  queryDoc('reason', { type: 'string', example: 'userunknown' }, 'Reason word of the bounce parser'),
  queryDoc('type', { type: 'string', enum: [...BOUNCE_SEVERITIES] }, 'hard or soft bounces only'),
  queryDoc('from', { type: 'string', example: '2026-12-01' }, 'Received on or after (date or ISO timestamp)'),
  queryDoc(
    'to',
    { type: 'string', example: '2026-12-04' },
    'Received on or before (a date includes the whole day)',
  ),
];
export const bounceListQueryDocs = [
  ...commonQueryDocs,
  queryDoc('status', { type: 'string', enum: [...BOUNCE_STATES], default: 'unresolved' }),
  queryDoc('contactId', { type: 'integer', minimum: 1 }, 'Bounces of the address of this contact'),
];
export const contactBounceQueryDocs = [
  ...commonQueryDocs,
  queryDoc('status', { type: 'string', enum: [...BOUNCE_STATES], default: 'all' }),
];

const timestamp = z.iso.datetime();

export const bounceContactSchema = z.object({
  id: z.int(),
  email: z.string(),
  name: z.string().nullable(),
  undeliverableSince: timestamp.nullable(),
});

export const bounceSummarySchema = z.object({
  id: z.int(),
  kind: z.enum(KINDS),
  source: z
    .enum(SOURCES)
    .meta({ description: '`dsn`: a bounce message; `smtp-rejection`: our relay refused the recipient' }),
  state: z.enum(['Unresolved', 'Resolved']),
  recipient: z.string(),
  status: z.string().nullable().meta({ description: 'Enhanced status code, e.g. 5.1.1' }),
  replyCode: z.string().nullable(),
  reason: z.string(),
  hardBounce: z.boolean(),
  diagnostic: z.string().nullable(),
  reportingMta: z.string().nullable(),
  originalMessageId: z.string().nullable(),
  originalSubject: z.string().nullable(),
  emailQueueId: z.int().nullable(),
  contacts: z.array(bounceContactSchema).meta({ description: 'Contacts with the bounced address' }),
  resolvedAt: timestamp.nullable(),
  resolvedBy: z.string().nullable(),
  resolutionNote: z.string().nullable(),
  createdAt: timestamp,
});
export type BounceSummaryDto = z.infer<typeof bounceSummarySchema>;

export const bouncePageSchema = z.object({
  items: z.array(bounceSummarySchema),
  page: z.int(),
  pageSize: z.int(),
  total: z.int(),
  totalPages: z.int(),
});
export type BouncePageDto = z.infer<typeof bouncePageSchema>;

export const bounceEmailSchema = z
  .object({
    id: z.int(),
    purpose: z.enum(PURPOSES),
    status: z.enum(EMAIL_STATUSES),
    from: z.string(),
    to: z.string(),
    cc: z.string().nullable(),
    subject: z.string(),
    messageId: z.string(),
    ticketId: z.int().nullable(),
    ticketLogId: z.int().nullable(),
    attempts: z.int(),
    lastError: z.string().nullable(),
    sentAt: timestamp.nullable(),
    bouncedAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ description: 'The outbound email the bounce answers (body not included)' });

export const bounceDetailSchema = bounceSummarySchema.extend({
  inboundMessageId: z.int().nullable(),
  emailMatchedBy: z.enum(MATCHES).nullable(),
  email: bounceEmailSchema.nullable(),
});
export type BounceDetailDto = z.infer<typeof bounceDetailSchema>;

const resolution = {
  note: z.string().trim().max(2000).optional(),
  resolvedBy: z.string().trim().min(1).max(200).optional(),
};

export const resolveBouncesSchema = z.strictObject({
  ids: z.array(z.int().min(1).max(2_147_483_647)).min(1).max(500),
  ...resolution,
});
export type ResolveBouncesInput = z.output<typeof resolveBouncesSchema>;

/** The body is optional: a bare `POST /api/bounces/:id/resolve` resolves without a note. */
export const resolveBounceSchema = z.strictObject(resolution).optional();
export type ResolveBounceInput = z.output<typeof resolveBounceSchema>;

export const resolveBouncesResultSchema = z.object({
  resolvedIds: z.array(z.int()).meta({ description: 'Resolved by this request' }),
  alreadyResolvedIds: z.array(z.int()),
  notFoundIds: z.array(z.int()),
  deliverableAgainContactIds: z.array(z.int()).meta({
    description: 'Contacts whose last unresolved hard bounce this resolved: mail to them is sent again',
  }),
});
export type ResolveBouncesResultDto = z.infer<typeof resolveBouncesResultSchema>;

export const bounceRefs = {
  page: apiSchema('BouncePage', bouncePageSchema, 'output'),
  detail: apiSchema('BounceDetail', bounceDetailSchema, 'output'),
  resolveMany: apiSchema('ResolveBounces', resolveBouncesSchema, 'input'),
  resolveOne: apiSchema('ResolveBounce', resolveBounceSchema, 'input'),
  resolveResult: apiSchema('ResolveBouncesResult', resolveBouncesResultSchema, 'output'),
};
