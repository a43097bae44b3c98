import { Processor, WorkerHost } from '@nestjs/bullmq';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { parseJobPayload, QueueName } from '@twe/queues';
import { appConfig } from '@twe/runtime';
import { UnrecoverableError, type Job } from 'bullmq';
import { ZodError } from 'zod';

import {
  fetchImapTimeouts,
  MAIL_FETCH_CONCURRENCY,
  MAIL_FETCH_MAX_STALLED_COUNT,
  MAIL_FETCH_STALLED_INTERVAL_MS,
  mailFetchLockDurationMs,
} from './fetch-worker.options';
import { MailboxFetchService, type FetchOutcome } from './mailbox-fetch.service';

/**
 * `mail.fetch` consumer: validates the payload and hands over to MailboxFetchService. The worker is
 * created paused (`autorun: false`) and starts only once the whole app is initialised (schema checked).
 */
@Processor(QueueName.MailFetch, {
  concurrency: MAIL_FETCH_CONCURRENCY,
  // Read when this file is loaded: the configuration is validated once per process before Nest starts.
  lockDuration: mailFetchLockDurationMs(fetchImapTimeouts(appConfig())),
  stalledInterval: MAIL_FETCH_STALLED_INTERVAL_MS,
  maxStalledCount: MAIL_FETCH_MAX_STALLED_COUNT,
  autorun: false,
})
@Injectable()
export class MailFetchProcessor
  extends WorkerHost
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(MailFetchProcessor.name);

  constructor(private readonly fetcher: MailboxFetchService) {
    super();
  }

  async process(job: Job): Promise<FetchOutcome> {
    let payload;
    try {
      payload = parseJobPayload(QueueName.MailFetch, job.data);
    } catch (error) {
      if (error instanceof ZodError)
        throw new UnrecoverableError(`invalid mail.fetch payload: ${error.message}`);
      throw error;
    }
    return this.fetcher.fetchMailbox(payload.mailboxId, { jobId: job.id, trigger: payload.trigger });
  }

  onApplicationBootstrap(): void {
    this.worker.run().catch((error: unknown) => {
      this.logger.error(
        { err: error, queue: QueueName.MailFetch },
        'mail.fetch worker stopped with an error',
      );
    });
  }

  /**
   * Before the ORM and Redis connections close (onApplicationShutdown): running fetches stop after their
   * current batch, the worker waits for them (jobs finish, nothing is left half done), then any IMAP
   * connection still open is closed.
   */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log({ queue: QueueName.MailFetch, signal }, 'draining mail.fetch worker');
    this.fetcher.stopBetweenBatches();
    await this.worker.close();
    await this.fetcher.closeSessions();
    this.logger.log({ queue: QueueName.MailFetch }, 'mail.fetch worker drained');
  }
}
