import type { JobState, Queue } from 'bullmq';

import { jobId } from './job-options';
import { enqueueInboundProcess, enqueueOutboundSend } from './producers';

const LIVE_STATES: ReadonlySet<JobState | 'unknown'> = new Set([
  'waiting',
  'delayed',
  'active',
  'prioritized',
  'waiting-children',
]);

/**
 * For sweepers: re-adds a job unless one with the same deterministic id is still waiting, delayed or
 * running. A finished job (kept for the dashboard) would make BullMQ ignore the add, so it is removed
 * first. Returns whether a job was added.
 */
async function requeueUnlessLive(queue: Queue, id: string, add: () => Promise<void>): Promise<boolean> {
  const job = await queue.getJob(id);
  if (job) {
    if (LIVE_STATES.has(await job.getState())) return false;
    await job.remove();
  }
  await add();
  return true;
}

export function requeueOutboundUnlessLive(queue: Queue, emailQueueId: number): Promise<boolean> {
  return requeueUnlessLive(queue, jobId.outbound(emailQueueId), () =>
    enqueueOutboundSend(queue, { emailQueueId }),
  );
}

export function requeueInboundUnlessLive(queue: Queue, inboundMessageId: number): Promise<boolean> {
  return requeueUnlessLive(queue, jobId.inbound(inboundMessageId), () =>
    enqueueInboundProcess(queue, { inboundMessageId }),
  );
}
