import type { JobsOptions } from 'bullmq';

import { QueueName } from './queue-names';

/**
 * Deterministic job ids from the natural key: the first layer of dedupe (the second is a unique
 * constraint in PostgreSQL). BullMQ forbids ':' in custom ids, hence '-'.
 */
export const jobId = {
  fetchMailboxNow: (mailboxId: number) => `fetch-now-${mailboxId}`,
  fetchScheduler: (mailboxId: number) => `mailbox-${mailboxId}`,
  inbound: (inboundMessageId: number) => `inbound-${inboundMessageId}`,
  outbound: (emailQueueId: number) => `email-${emailQueueId}`,
  bounce: (inboundMessageId: number) => `bounce-${inboundMessageId}`,
};

/** Attempts and backoff beside the queue names, so every producer uses the same policy. */
export const defaultJobOptions: Record<QueueName, JobsOptions> = {
  [QueueName.MailFetch]: { attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 },
  [QueueName.InboundProcess]: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: 10_000,
    removeOnFail: false,
  },
  // These jobs carry whole messages (up to ~34 MB of JSON): finished ones go soon, since the
  // inbound_message row holds the message. Failed ones stay (nothing is lost) until staff look.
  [QueueName.TicketsIngest]: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: { age: 3_600, count: 100 },
    removeOnFail: false,
  },
  [QueueName.AssignmentProcess]: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: 10_000,
    removeOnFail: false,
  },
  [QueueName.BounceProcess]: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: 10_000,
    removeOnFail: false,
  },
  // SMTP: 4xx and network errors retry over about an hour (5 s .. 40 min); 5xx fail at once.
  [QueueName.OutboundSend]: {
    attempts: 10,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: 10_000,
    removeOnFail: false,
  },
};
