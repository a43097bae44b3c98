import { TicketKind, TicketStatus } from '@twe/persistence';
import { z } from 'zod';

import { apiSchema } from '../common/openapi-registry';

const KINDS = Object.values(TicketKind) as [TicketKind, ...TicketKind[]];
const STATUSES = Object.values(TicketStatus) as [TicketStatus, ...TicketStatus[]];

/** Query strings arrive as text: numbers are parsed here, and unknown parameters are errors (typos). */
const positiveInt = z
  .string()
  .regex(/^\d{1,10}$/, { message: 'Must be a positive integer' })
  .transform(Number)
  .pipe(z.int().min(1).max(2_147_483_647));

export const listTicketsQuerySchema = z.strictObject({
  page: positiveInt.optional().default(1),
  pageSize: z
    .string()
    .regex(/^\d{1,3}$/, { message: 'Must be an integer from 1 to 100' })
    .transform(Number)
    .pipe(z.int().min(1).max(100))
    .optional()
    .default(20),
  kind: z.enum(KINDS).optional(),
  typeId: positiveInt.optional(),
  status: z.enum(STATUSES).optional(),
});
export type ListTicketsQuery = z.output<typeof listTicketsQuerySchema>;

export const ticketListQueryDocs = [
  { name: 'page', required: false, schema: { type: 'integer' as const, minimum: 1, default: 1 } },
  {
    name: 'pageSize',
    required: false,
    schema: { type: 'integer' as const, minimum: 1, maximum: 100, default: 20 },
  },
  { name: 'kind', required: false, schema: { type: 'string' as const, enum: KINDS } },
  { name: 'typeId', required: false, schema: { type: 'integer' as const, minimum: 1 } },
  { name: 'status', required: false, schema: { type: 'string' as const, enum: STATUSES } },
];

const timestamp = z.iso.datetime();
const typeSummary = z.object({ id: z.int(), name: z.string(), workflowTag: z.string() }).nullable();

export const ticketSummarySchema = z.object({
  id: z.int(),
  kind: z.enum(KINDS),
  status: z.enum(STATUSES),
  subject: z.string(),
  type: typeSummary,
  contactEmail: z.string().nullable(),
  logCount: z.int(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type TicketSummaryDto = z.infer<typeof ticketSummarySchema>;

export const ticketPageSchema = z.object({
  items: z.array(ticketSummarySchema),
  page: z.int(),
  pageSize: z.int(),
  total: z.int(),
  totalPages: z.int(),
});
export type TicketPageDto = z.infer<typeof ticketPageSchema>;

export const attachmentSchema = z.object({
  id: z.int(),
  filename: z.string().nullable(),
  contentType: z.string(),
  size: z.int(),
  sha256: z.string(),
  inline: z.boolean(),
});

export const ticketLogSchema = z.object({
  id: z.int(),
  direction: z.enum(['inbound', 'outbound']),
  from: z.object({ address: z.string().nullable(), name: z.string().nullable() }),
  subject: z.string(),
  messageId: z.string().nullable(),
  inReplyTo: z.string().nullable(),
  receiver: z.object({
    name: z.string().nullable(),
    email: z.string().nullable(),
    contactId: z.int().nullable(),
  }),
  textBody: z.string().nullable(),
  newText: z.string().nullable().meta({
    description: 'What the sender wrote in this message: textBody without the quoted history of a reply.',
  }),
  quotedText: z
    .string()
    .nullable()
    .meta({ description: 'The quoted history of a reply, shown after newText.' }),
  inboundMessageId: z.int().nullable(),
  threadingNote: z.string().nullable().meta({
    description: 'Why the message was threaded this way (copied tag, closed ticket, other address).',
  }),
  machineMail: z
    .string()
    .nullable()
    .meta({ description: 'Evidence that the message is an auto-reply, bounce, list mail or our own mail.' }),
  notificationNote: z
    .string()
    .nullable()
    .meta({ description: 'Why no notification was sent for this message (machine mail, per-sender cap).' }),
  attachments: z
    .array(attachmentSchema)
    .meta({ description: 'Metadata only; content is never part of this response.' }),
  createdAt: timestamp,
});

export const statusChangeSchema = z.object({
  fromStatus: z.enum(STATUSES).nullable(),
  toStatus: z.enum(STATUSES),
  cause: z.string(),
  ticketLogId: z.int().nullable(),
  changedAt: timestamp,
});

export const ticketDetailSchema = ticketSummarySchema.extend({
  contact: z.object({ id: z.int(), email: z.string(), name: z.string().nullable() }).nullable(),
  errorReason: z.string().nullable(),
  previousTicketId: z.int().nullable().meta({
    description: 'The closed ticket this one continues (the customer wrote again after it was closed).',
  }),
  statusChanges: z.array(statusChangeSchema),
  logs: z.array(ticketLogSchema),
});
export type TicketDetailDto = z.infer<typeof ticketDetailSchema>;

export const ticketRefs = {
  page: apiSchema('TicketPage', ticketPageSchema, 'output'),
  detail: apiSchema('TicketDetail', ticketDetailSchema, 'output'),
};

export const reassignTicketSchema = z.strictObject({
  ticketTypeId: z.int().min(1).max(2_147_483_647),
});
export type ReassignTicketInput = z.output<typeof reassignTicketSchema>;

export const reassignResultSchema = z.object({
  ticketId: z.int(),
  ticketTypeId: z.int(),
  kind: z.enum(KINDS),
  /** email_queue rows of the notification (admin, forward address), queued for sending. */
  emailQueueIds: z.array(z.int()),
});
export type ReassignResultDto = z.infer<typeof reassignResultSchema>;

export const reassignRefs = {
  body: apiSchema('ReassignTicket', reassignTicketSchema, 'input'),
  result: apiSchema('ReassignTicketResult', reassignResultSchema, 'output'),
};
