import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

import { FetchOutcomeKind, MailboxKind, MailboxSecurity } from '@twe/persistence';
import { z } from 'zod';

import { apiSchema } from '../common/openapi-registry';

export const MAILBOX_TYPES = Object.values(MailboxKind) as [MailboxKind, ...MailboxKind[]];
export const MAILBOX_SECURITY = Object.values(MailboxSecurity) as [MailboxSecurity, ...MailboxSecurity[]];
/** Identity providers the fetcher can refresh tokens with. Google is a later addition. */
export const OAUTH_PROVIDERS = ['microsoft'] as const;

export function isOAuthType(type: MailboxKind): boolean {
  return type === MailboxKind.ImapOAuth || type === MailboxKind.Pop3OAuth;
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function isPemCertificateBundle(text: string): boolean {
  const blocks = text.match(PEM_CERTIFICATE);
  if (!blocks) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}

/** Write-only: accepted on create and edit, never returned (the response says only whether one is set). */
function secret(description: string) {
  return z
    .string()
    .refine((value) => value.length > 0, {
      message:
        'Must not be empty (when editing: leave the field out to keep the stored value, or send null to clear it)',
    })
    .max(8192)
    .meta({
      writeOnly: true,
      description: `${description} Write-only: never returned; the response has \`…Set: true\`.`,
    });
}

const mailboxFields = {
  name: z.string().trim().min(1).max(200).meta({ example: 'Support mailbox' }),
  type: z.enum(MAILBOX_TYPES),
  host: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .refine((host) => isIP(host) !== 0 || HOST_NAME.test(host), {
      message: 'Must be a host name or an IP address',
    })
    .meta({ example: 'imap.example.com' }),
  port: z.int().min(1).max(65535).meta({ example: 993 }),
  security: z
    .enum(MAILBOX_SECURITY)
    .optional()
    .meta({
      description:
        '`tls` = implicit TLS (993/995), `starttls` = plain connect then mandatory upgrade (143/110), `none` = plain text. ' +
        'Give this or `useSsl`.',
    }),
  useSsl: z
    .boolean()
    .optional()
    .meta({
      description:
        'Shorthand for `security`: `true` = encrypted (`starttls` on ports 143 and 110, `tls` on any other port), ' +
        '`false` = `none`. Ignored when it agrees with `security`; an error when it contradicts it.',
    }),
  username: z.string().trim().min(1).max(320).meta({ example: 'support@example.com' }),
  password: secret('Password of a plain (IMAP / POP3) mailbox.').nullable().optional(),
  trustedCaPem: z
    .string()
    .max(65_536)
    .refine(isPemCertificateBundle, {
      message: 'Must be one or more PEM certificates (-----BEGIN CERTIFICATE-----)',
    })
    .nullable()
    .optional()
    .meta({
      description: 'A CA to trust for this mailbox only (self-hosted servers); certificate checks stay on.',
    }),
  oauthProvider: z.enum(OAUTH_PROVIDERS).nullable().optional().meta({ description: 'OAuth types only.' }),
  tenantId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.-]{1,100}$/, {
      message: 'Must be a directory (tenant) id, a domain, "common" or "organizations"',
    })
    .nullable()
    .optional()
    .meta({ description: 'Microsoft directory (tenant) id. OAuth types only.' }),
  clientId: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullable()
    .optional()
    .meta({ description: 'OAuth types only.' }),
  clientSecret: secret('OAuth client secret. OAuth types only.').nullable().optional(),
  redirectUrl: z
    .url({ protocol: /^https?$/, error: 'Must be an http(s) URL' })
    .max(500)
    .nullable()
    .optional()
    .meta({ description: 'Redirect URL registered with the identity provider. OAuth types only.' }),
  refreshToken: secret('OAuth refresh token, for setting one obtained elsewhere. OAuth types only.')
    .nullable()
    .optional(),
  refreshTokenExpiresAt: z.iso
    .datetime({ offset: true, error: 'Must be an ISO 8601 date-time' })
    .nullable()
    .optional()
    .meta({ description: 'When the refresh token expires, if known. OAuth types only.' }),
};

export const createMailboxSchema = z.strictObject(mailboxFields);
/** Edit: omitted fields keep their value; `null` clears a nullable field (secrets included). */
export const updateMailboxSchema = z.strictObject(mailboxFields).partial();

export type CreateMailboxInput = z.output<typeof createMailboxSchema>;
export type UpdateMailboxInput = z.output<typeof updateMailboxSchema>;

/** The OAuth-only fields, in input names. */
export const OAUTH_FIELDS = [
  'oauthProvider',
  'tenantId',
  'clientId',
  'clientSecret',
  'redirectUrl',
  'refreshToken',
  'refreshTokenExpiresAt',
] as const satisfies ReadonlyArray<keyof UpdateMailboxInput>;

const timestamp = z.iso.datetime().nullable();

export const mailboxHealthSchema = z.object({
  lastFetchStartedAt: timestamp,
  lastFetchFinishedAt: timestamp,
  lastSuccessAt: timestamp,
  lastError: z.string().nullable(),
  lastFetchCapturedCount: z.int(),
  consecutiveFailures: z.int(),
  /** All messages ever captured from this mailbox. */
  messagesCaptured: z.int(),
  lastFetchOutcome: z.enum(Object.values(FetchOutcomeKind)).nullable().meta({
    description:
      'How the last fetch ended. `stopped-after-budget`: it ran out of FETCH_BUDGET_MS after a batch, kept what it captured, and the next run continues.',
  }),
  lastFailureKind: z.string().nullable().meta({
    description:
      'Kind of the last failure: authentication, tls, starttls-unavailable, timeout, connection, command, configuration, internal. Null after a success.',
  }),
  backoffUntil: timestamp.meta({
    description:
      'After failures the schedule does not fetch this mailbox before this time (exponential, 60 s doubling up to 1 h, with jitter); "fetch now" does not wait. Null after a success.',
  }),
  leftInMailbox: z.array(z.object({ remoteId: z.string(), reason: z.string() })).meta({
    description: 'Messages the last successful fetch left on the server on purpose, with the reason.',
  }),
});

export const mailboxOAuthStatusSchema = z
  .object({
    connected: z.boolean().meta({ description: 'A grant (token cache or refresh token) is stored.' }),
    needsReauthorization: z.boolean().meta({
      description: 'The provider refused the stored grant; no fetch runs until staff reconnect.',
    }),
    reason: z.string().nullable().meta({ description: "The provider's answer when it refused the grant." }),
    refreshTokenRenewedAt: timestamp,
    refreshTokenExpiresAt: timestamp,
    warning: z.string().nullable().meta({
      description:
        'Set when the refresh token has not been renewed for 75 days (Microsoft: expiry after 90).',
    }),
  })
  .nullable()
  .meta({ description: 'OAuth types only (null otherwise). Never any token.' });

export const mailboxResponseSchema = z.object({
  id: z.int(),
  name: z.string(),
  type: z.enum(MAILBOX_TYPES),
  host: z.string(),
  port: z.int(),
  security: z.enum(MAILBOX_SECURITY),
  useSsl: z.boolean(),
  username: z.string(),
  passwordSet: z.boolean(),
  trustedCaPem: z.string().nullable(),
  oauthProvider: z.string().nullable(),
  tenantId: z.string().nullable(),
  clientId: z.string().nullable(),
  redirectUrl: z.string().nullable(),
  clientSecretSet: z.boolean(),
  refreshTokenSet: z.boolean(),
  refreshTokenExpiresAt: timestamp,
  ticketTypeCount: z.int(),
  oauth: mailboxOAuthStatusSchema,
  health: mailboxHealthSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type MailboxDto = z.infer<typeof mailboxResponseSchema>;

export const fetchNowResponseSchema = z.object({
  mailboxId: z.int(),
  jobId: z.string(),
  status: z.literal('queued'),
});
export type FetchNowDto = z.infer<typeof fetchNowResponseSchema>;

export const mailboxRefs = {
  create: apiSchema('MailboxCreate', createMailboxSchema, 'input'),
  update: apiSchema('MailboxUpdate', updateMailboxSchema, 'input'),
  mailbox: apiSchema('Mailbox', mailboxResponseSchema, 'output'),
  fetchNow: apiSchema('FetchNowAccepted', fetchNowResponseSchema, 'output'),
};
