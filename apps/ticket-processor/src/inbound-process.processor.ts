import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { enqueueBounceProcess, enqueueOutboundSendBulk, parseJobPayload, QueueName } from '@twe/queues';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { Counter, register } from 'prom-client';

import { ProcessInboundMessageService, type InboundOutcome } from './process-inbound-message.service';
import { ticketProcessorSettings } from './ticket-processor.settings';

const processedTotal =
  (register.getSingleMetric('twe_inbound_messages_total') as Counter<'result'> | undefined) ??
  new Counter({
    name: 'twe_inbound_messages_total',
    help: 'Captured messages handled by the ticket-processor, by result',
    labelNames: ['result'],
  });

/**
 * `inbound.process { inboundMessageId }`: one captured message -> tickets, logs, queued emails.
 * The job only carries the id; the service loads the row and is idempotent.
 */
@Processor(QueueName.InboundProcess, {
  concurrency: ticketProcessorSettings.inboundConcurrency,
  lockDuration: ticketProcessorSettings.inboundLockDurationMs,
  maxStalledCount: 2,
})
export class InboundProcessProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger(InboundProcessProcessor.name);

  constructor(
    private readonly service: ProcessInboundMessageService,
    @InjectQueue(QueueName.OutboundSend) private readonly outboundQueue: Queue,
    @InjectQueue(QueueName.BounceProcess) private readonly bounceQueue: Queue,
  ) {
    super();
  }

  async process(job: Job): Promise<Pick<InboundOutcome, 'result' | 'ticketIds' | 'emailQueueIds'>> {
    let inboundMessageId: number;
    try {
      ({ inboundMessageId } = parseJobPayload(QueueName.InboundProcess, job.data));
    } catch (error) {
      throw new UnrecoverableError(`Invalid ${QueueName.InboundProcess} payload: ${messageOf(error)}`);
    }
    const context = { queue: QueueName.InboundProcess, jobId: job.id, inboundMessageId };

    let outcome: InboundOutcome;
    try {
      outcome = await this.service.process(inboundMessageId);
    } catch (error) {
      // Database down, a bug on this one message...: BullMQ retries with backoff while other jobs
      // go on. After the last attempt the row is marked failed so staff see it (raw bytes stay).
      if (isFinalAttempt(job)) {
        this.logger.error({ ...context, err: error }, 'Inbound message failed for good');
        await this.service
          .markFailed(
            inboundMessageId,
            `Processing failed after ${job.attemptsMade + 1} attempt(s): ${messageOf(error)}`,
          )
          .catch((markError: unknown) =>
            this.logger.error({ ...context, err: markError }, 'Could not mark the message failed'),
          );
        processedTotal.inc({ result: 'failed' });
      } else {
        this.logger.warn(
          { ...context, attempt: job.attemptsMade + 1, err: error },
          'Inbound message failed; will retry',
        );
      }
      throw error;
    }

    processedTotal.inc({ result: outcome.result });
    if (outcome.result === 'bounce') {
      // Not caught: the message is still `captured`, so a retry of this job routes it again.
      await enqueueBounceProcess(this.bounceQueue, { inboundMessageId });
    }
    if (outcome.emailQueueIds.length > 0) {
      // After the commit: a crash or Redis failure here leaves the rows `queued`, and the outbound
      // sweeper enqueues them. Throwing would not help: a retry finds the message processed.
      await enqueueOutboundSendBulk(
        this.outboundQueue,
        outcome.emailQueueIds.map((emailQueueId) => ({ emailQueueId })),
      ).catch((error: unknown) =>
        this.logger.warn({ ...context, err: error }, 'Could not enqueue outbound.send; the sweeper will'),
      );
    }
    this.logger.log(
      { ...context, result: outcome.result, ticketIds: outcome.ticketIds },
      'Inbound message processed',
    );
    return { result: outcome.result, ticketIds: outcome.ticketIds, emailQueueIds: outcome.emailQueueIds };
  }

  /** Worker-level errors (Redis connection lost, ...): BullMQ reconnects; without a listener they would crash the process. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.error({ queue: QueueName.InboundProcess, err: error }, 'Worker error');
  }

  /** Finish the jobs in hand before the database pool closes (Nest closes it on application shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}

function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
