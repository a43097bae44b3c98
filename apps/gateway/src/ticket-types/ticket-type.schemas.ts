import { normalizeAddress } from '@twe/domain';
import { TicketTask } from '@twe/persistence';
import { z } from 'zod';

import { apiSchema } from '../common/openapi-registry';

export const TICKET_TASKS = Object.values(TicketTask) as [TicketTask, ...TicketTask[]];

/**
 * The workflow tag goes into every outbound subject (`[Support #123-789]`): words of letters, digits,
 * `_` and `-` separated by single spaces, as the subject-tag codec reads them back.
 */
export const WORKFLOW_TAG = /^[\p{L}\p{N}_-]+(?: [\p{L}\p{N}_-]+)*$/u;

/** A plain (unquoted) SQL identifier; the catalogue check then proves the table or column exists. */
const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** One address, stored in the normalized form the engine matches with (`support@example.com`). */
const address = z
  .string()
  .trim()
  .max(320)
  .refine((value) => normalizeAddress(value) !== null && /@[^@]+\.[^@]+$/.test(normalizeAddress(value)!), {
    message: 'Must be one email address',
  })
  .transform((value) => normalizeAddress(value)!);

const identifier = (what: string) =>
  z
    .string()
    .trim()
    .regex(SQL_IDENTIFIER, {
      message: `Must be a ${what} name of letters, digits and _ (not starting with a digit, at most 63 characters)`,
    });

const ticketTypeFields = {
  task: z.enum(TICKET_TASKS).meta({ description: '`Simple Storage` = questions/enquiries.' }),
  name: z.string().trim().min(1).max(200).meta({ example: 'Support' }),
  description: z.string().trim().max(5000).nullable().optional(),
  emailTo: address.meta({
    description: 'The address that identifies this type.',
    example: 'support@example.com',
  }),
  workflowTag: z
    .string()
    .trim()
    .min(1)
    .max(60)
    .regex(WORKFLOW_TAG, { message: 'Must be words of letters, digits, _ and - separated by single spaces' })
    .meta({ description: 'The word in subject tags: `[Support #123-789]`.', example: 'Support' }),
  mailboxId: z.int().min(1).max(2_147_483_647),
  emailForward: address
    .nullable()
    .optional()
    .meta({ description: 'Optional address that also receives each new enquiry.' }),
  adminEmail: address.meta({
    description: 'Who is notified of each new ticket log.',
    example: 'helpdesk-admin@example.com',
  }),
  saveTable: identifier('table')
    .nullable()
    .optional()
    .meta({ description: 'Optional existing table (current schema) that also receives each new enquiry.' }),
  saveFromColumn: identifier('column')
    .nullable()
    .optional()
    .meta({ description: 'Column of saveTable for the sender address.' }),
  saveSubjectColumn: identifier('column')
    .nullable()
    .optional()
    .meta({ description: 'Column of saveTable for the subject.' }),
  saveBodyColumn: identifier('column')
    .nullable()
    .optional()
    .meta({ description: 'Column of saveTable for the text body.' }),
  active: z.boolean().optional().meta({ description: 'Defaults to true on create.' }),
};

export const createTicketTypeSchema = z.strictObject(ticketTypeFields);
/** Edit: omitted fields keep their value; `null` clears an optional field. */
export const updateTicketTypeSchema = z.strictObject(ticketTypeFields).partial();

export type CreateTicketTypeInput = z.output<typeof createTicketTypeSchema>;
export type UpdateTicketTypeInput = z.output<typeof updateTicketTypeSchema>;

export const ticketTypeResponseSchema = z.object({
  id: z.int(),
  task: z.enum(TICKET_TASKS),
  name: z.string(),
  description: z.string().nullable(),
  emailTo: z.string(),
  workflowTag: z.string(),
  mailboxId: z.int(),
  mailboxName: z.string(),
  emailForward: z.string().nullable(),
  adminEmail: z.string(),
  saveTable: z.string().nullable(),
  saveFromColumn: z.string().nullable(),
  saveSubjectColumn: z.string().nullable(),
  saveBodyColumn: z.string().nullable(),
  active: z.boolean(),
  ticketCount: z.int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type TicketTypeDto = z.infer<typeof ticketTypeResponseSchema>;

export const ticketTypeRefs = {
  create: apiSchema('TicketTypeCreate', createTicketTypeSchema, 'input'),
  update: apiSchema('TicketTypeUpdate', updateTicketTypeSchema, 'input'),
  ticketType: apiSchema('TicketType', ticketTypeResponseSchema, 'output'),
};
