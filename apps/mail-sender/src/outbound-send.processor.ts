import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { parseJobPayload, QueueName } from '@twe/queues';
import { UnrecoverableError, type Job } from 'bullmq';
import { Counter, register } from 'prom-client';

import { mailSenderSettings } from './mail-sender.settings';
import { PermanentSendError, SendEmailService, type SendResult } from './send-email.service';

const emailsTotal =
  (register.getSingleMetric('twe_outbound_emails_total') as Counter<'result'> | undefined) ??
  new Counter({
    name: 'twe_outbound_emails_total',
    help: 'outbound.send jobs by result',
    labelNames: ['result'],
  });

/**
 * `outbound.send { emailQueueId }`: send row N. 5xx -> UnrecoverableError (no retry); 4xx and
 * network errors -> throw, BullMQ retries with the backoff of defaultJobOptions.
 */
@Processor(QueueName.OutboundSend, {
  concurrency: mailSenderSettings.sendConcurrency,
  lockDuration: mailSenderSettings.sendLockDurationMs,
  maxStalledCount: 1,
})
export class OutboundSendProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboundSendProcessor.name);

  constructor(private readonly service: SendEmailService) {
    super();
  }

  async process(job: Job): Promise<SendResult> {
    let emailQueueId: number;
    try {
      ({ emailQueueId } = parseJobPayload(QueueName.OutboundSend, job.data));
    } catch (error) {
      throw new UnrecoverableError(
        `Invalid ${QueueName.OutboundSend} payload: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const context = { queue: QueueName.OutboundSend, jobId: job.id, emailQueueId };
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      const result = await this.service.send(emailQueueId, { finalAttempt });
      emailsTotal.inc({ result });
      this.logger.log({ ...context, result }, 'Email job done');
      return result;
    } catch (error) {
      // Error messages are classified and credential-redacted (classifySmtpError) before they get here.
      if (error instanceof PermanentSendError) {
        emailsTotal.inc({ result: 'failed' });
        this.logger.error({ ...context, err: error }, 'Email failed for good');
        throw new UnrecoverableError(error.message);
      }
      if (finalAttempt) {
        emailsTotal.inc({ result: 'failed' });
        this.logger.error({ ...context, err: error }, 'Email job failed after its last attempt');
      } else {
        emailsTotal.inc({ result: 'retry' });
        this.logger.warn(
          { ...context, attempt: job.attemptsMade + 1, err: error },
          'Email not sent; will retry',
        );
      }
      throw error;
    }
  }

  /** Worker-level errors (Redis connection lost, ...): BullMQ reconnects; without a listener they would crash the process. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.error({ queue: QueueName.OutboundSend, err: error }, 'Worker error');
  }

  /** Drain the sends in hand before the transport and the database pool close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
