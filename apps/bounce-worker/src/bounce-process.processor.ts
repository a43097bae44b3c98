import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { parseJobPayload, QueueName } from '@twe/queues';
import { UnrecoverableError, type Job } from 'bullmq';
import { Counter, register } from 'prom-client';

import { bounceWorkerSettings } from './bounce-worker.settings';
import { ProcessBounceService, type BounceOutcome } from './process-bounce.service';

const bouncesTotal =
  (register.getSingleMetric('twe_bounce_messages_total') as Counter<'result'> | undefined) ??
  new Counter({
    name: 'twe_bounce_messages_total',
    help: 'Messages handled by the bounce-worker, by result (the verdict kind, or missing/skipped/failed)',
    labelNames: ['result'],
  });

/** `bounce.process { inboundMessageId }`: one captured message of the bounce mailbox -> bounce records. */
@Processor(QueueName.BounceProcess, {
  concurrency: bounceWorkerSettings.concurrency,
  lockDuration: bounceWorkerSettings.lockDurationMs,
  maxStalledCount: 2,
})
export class BounceProcessProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger(BounceProcessProcessor.name);

  constructor(private readonly service: ProcessBounceService) {
    super();
  }

  async process(job: Job): Promise<BounceOutcome> {
    let inboundMessageId: number;
    try {
      ({ inboundMessageId } = parseJobPayload(QueueName.BounceProcess, job.data));
    } catch (error) {
      throw new UnrecoverableError(`Invalid ${QueueName.BounceProcess} payload: ${messageOf(error)}`);
    }
    const context = { queue: QueueName.BounceProcess, jobId: job.id, inboundMessageId };
    try {
      const outcome = await this.service.process(inboundMessageId);
      bouncesTotal.inc({ result: outcome.result });
      this.logger.log({ ...context, ...outcome }, 'Bounce mailbox message processed');
      return outcome;
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        bouncesTotal.inc({ result: 'failed' });
        this.logger.error({ ...context, err: error }, 'Bounce mailbox message failed for good');
        await this.service
          .markFailed(
            inboundMessageId,
            `Bounce processing failed after ${job.attemptsMade + 1} attempt(s): ${messageOf(error)}`,
          )
          .catch((markError: unknown) =>
            this.logger.error({ ...context, err: markError }, 'Could not mark the message failed'),
          );
      } else {
        this.logger.warn(
          { ...context, attempt: job.attemptsMade + 1, err: error },
          'Bounce processing failed; will retry',
        );
      }
      throw error;
    }
  }

  /** Worker-level errors (Redis connection lost, ...): BullMQ reconnects; without a listener they would crash the process. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.error({ queue: QueueName.BounceProcess, err: error }, 'Worker error');
  }

  /** Finish the jobs in hand before the database pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
