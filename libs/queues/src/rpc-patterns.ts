import { z } from 'zod';

/**
 * Request/reply messages between the gateway and the workers (@nestjs/microservices over Redis).
 * Like queue names, NEVER rename a value: a gateway and a fetcher of different versions must still
 * understand each other during a rolling upgrade.
 */
export const RpcPattern = {
  MailboxTestConnection: 'mailbox.test-connection',
} as const;
export type RpcPattern = (typeof RpcPattern)[keyof typeof RpcPattern];

/** Ids only, as for jobs: the fetcher loads the mailbox and its secrets itself. */
export const mailboxTestConnectionRequest = z.object({
  mailboxId: z.number().int().positive(),
});
export type MailboxTestConnectionRequest = z.infer<typeof mailboxTestConnectionRequest>;

export const mailboxTestConnectionReply = z.object({
  ok: z.boolean(),
  mailboxId: z.number().int().positive(),
  protocol: z.enum(['imap', 'pop3']).nullable(),
  /** What was checked, e.g. "Logged in; INBOX holds 3 messages". */
  summary: z.string(),
  /** On failure: what failed (`authentication`, `tls`, `timeout`, `connection`, `configuration`, ...). */
  failureKind: z.string().nullable(),
  /** The server's or provider's own answer, when there was one. Never holds a secret. */
  serverResponse: z.string().nullable(),
  durationMs: z.number().int().nonnegative(),
});
export type MailboxTestConnectionReply = z.infer<typeof mailboxTestConnectionReply>;

/**
 * The Redis channel of a pattern. Pub/sub channels are global to a Redis server (not per database,
 * not covered by key prefixes), so the deployment's QUEUE_PREFIX is put in front: two installations
 * (or two test runs) sharing one Redis never answer each other's requests.
 */
export function rpcChannel(prefix: string, pattern: string): string {
  return `${prefix}:rpc:${pattern}`;
}
