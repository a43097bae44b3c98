import type { Queue } from 'bullmq';
import type { z } from 'zod';

import { ingestJobId, ticketsIngestPayload } from './ingest-payload';
import { jobId } from './job-options';
import {
  bounceProcessPayload,
  inboundProcessPayload,
  mailFetchPayload,
  outboundSendPayload,
} from './job-payloads';
import type {
  BounceProcessPayload,
  InboundProcessPayload,
  MailFetchPayload,
  OutboundSendPayload,
  TicketsIngestPayload,
} from './job-payloads';

/** Typed producers: the only way code outside this lib puts work on a queue. */
export async function enqueueInboundProcess(queue: Queue, payload: InboundProcessPayload): Promise<void> {
  await queue.add('process', inboundProcessPayload.parse(payload), {
    jobId: jobId.inbound(payload.inboundMessageId),
  });
}

export async function enqueueInboundProcessBulk(
  queue: Queue,
  payloads: InboundProcessPayload[],
): Promise<void> {
  if (payloads.length === 0) return;
  await queue.addBulk(
    payloads.map((payload) => ({
      name: 'process',
      data: inboundProcessPayload.parse(payload),
      opts: { jobId: jobId.inbound(payload.inboundMessageId) },
    })),
  );
}

export async function enqueueOutboundSend(queue: Queue, payload: OutboundSendPayload): Promise<void> {
  await queue.add('send', outboundSendPayload.parse(payload), {
    jobId: jobId.outbound(payload.emailQueueId),
  });
}

export async function enqueueOutboundSendBulk(queue: Queue, payloads: OutboundSendPayload[]): Promise<void> {
  if (payloads.length === 0) return;
  await queue.addBulk(
    payloads.map((payload) => ({
      name: 'send',
      data: outboundSendPayload.parse(payload),
      opts: { jobId: jobId.outbound(payload.emailQueueId) },
    })),
  );
}

/** "Fetch now": one pending manual fetch per mailbox (the id dedupes repeated clicks). */
export async function enqueueFetchNow(queue: Queue, mailboxId: number): Promise<void> {
  const payload: MailFetchPayload = mailFetchPayload.parse({ mailboxId, trigger: 'manual' });
  await queue.add('fetch', payload, {
    jobId: jobId.fetchMailboxNow(mailboxId),
    removeOnComplete: true,
    removeOnFail: true,
  });
}

/** The Email Processing Task for one mailbox: a job scheduler repeating at the task's interval. */
export async function upsertFetchSchedule(
  queue: Queue,
  mailboxId: number,
  intervalSeconds: number,
): Promise<void> {
  const payload: MailFetchPayload = mailFetchPayload.parse({ mailboxId, trigger: 'schedule' });
  await queue.upsertJobScheduler(
    jobId.fetchScheduler(mailboxId),
    { every: intervalSeconds * 1000 },
    { name: 'fetch', data: payload, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
}

export async function removeFetchSchedule(queue: Queue, mailboxId: number): Promise<void> {
  await queue.removeJobScheduler(jobId.fetchScheduler(mailboxId));
}

/**
 * Hands a message to the engine. Validates first (a bad payload throws the ZodError here, not later
 * in a worker) and returns the job id, which is the same for the same source + idempotency key (or
 * content): while that job is kept in Redis, a repeated call adds nothing.
 */
export async function enqueueTicketsIngest(
  queue: Queue,
  payload: z.input<typeof ticketsIngestPayload>,
): Promise<string> {
  const data: TicketsIngestPayload = ticketsIngestPayload.parse(payload);
  const id = ingestJobId(data);
  await queue.add('ingest', data, { jobId: id });
  return id;
}

/** A captured message of the bounce mailbox (or one sent to a VERP return path) for the bounce-worker. */
export async function enqueueBounceProcess(queue: Queue, payload: BounceProcessPayload): Promise<void> {
  await queue.add('process', bounceProcessPayload.parse(payload), {
    jobId: jobId.bounce(payload.inboundMessageId),
  });
}
