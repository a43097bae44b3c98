import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { SecretCipher, type AppConfig } from '@twe/config';
import {
  isMailConnectorError,
  openMailboxSession,
  MicrosoftOAuthTokenService,
  OAuthConfigurationError,
  OAuthProviderError,
  OAuthReauthorizationRequiredError,
  redactSecrets,
  secretsOfAuth,
  type CaptureReceipt,
  type FetchResult,
  type MailboxConnectionSettings,
  type MailboxSession,
} from '@twe/mail';
import { fetchBackoffUntil } from '@twe/domain';
import { FetchOutcomeKind, InboundState, Mailbox, TicketType } from '@twe/persistence';
import { enqueueInboundProcessBulk, QueueName } from '@twe/queues';
import { APP_CONFIG } from '@twe/runtime';
import type { Queue } from 'bullmq';

import { fetchDurationSeconds, fetchFailuresTotal, messagesCapturedTotal } from './fetch-metrics';
import { fetchImapTimeouts, pop3TimeoutsFrom } from './fetch-worker.options';
import { InboundCaptureRepository } from './inbound-capture.repository';
import { MailboxFetchLock } from './mailbox-fetch-lock';
import { MailboxHealthRepository } from './mailbox-health.repository';
import {
  connectionSettingsWithCredentials,
  MailboxNotFetchableError,
  withTimeouts,
} from './mailbox-connection-settings';

export type FetchOutcome =
  | { status: 'skipped'; reason: string }
  /** Another fetch of the same mailbox holds the lock (another replica, or a manual run beside the schedule). */
  | { status: 'already-fetching' }
  /** `budgetSpent`: FETCH_BUDGET_MS ran out and the run stopped after a batch; the next run continues. */
  | { status: 'done'; result: FetchResult; enqueued: number; budgetSpent: boolean };

interface InboundReceipt extends CaptureReceipt {
  inboundMessageId: number;
  /** Still to be processed: new, or captured earlier and never processed. */
  needsProcessing: boolean;
}

/** A fetch that failed; its message is safe to store and show (no secrets). */
export class MailboxFetchError extends Error {
  override name = 'MailboxFetchError';
}

/**
 * The Email Processing Task for one mailbox (SPEC §4.1): lock, connect, capture, delete, enqueue,
 * health. Order per batch: capture (committed) -> delete from the mailbox -> enqueue `inbound.process`;
 * a crash between any two steps leaves each message on the server or captured, never lost, and the
 * unique key plus deterministic job ids keep it from being processed twice.
 */
@Injectable()
export class MailboxFetchService {
  private readonly logger = new Logger(MailboxFetchService.name);
  private readonly openSessions = new Set<MailboxSession>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.InboundProcess) private readonly inboundQueue: Queue,
    private readonly cipher: SecretCipher,
    private readonly oauthTokens: MicrosoftOAuthTokenService,
  ) {}

  async fetchMailbox(mailboxId: number, job: { jobId?: string; trigger: string }): Promise<FetchOutcome> {
    const log = { mailboxId, jobId: job.jobId, trigger: job.trigger, queue: QueueName.MailFetch };
    const em = this.orm.em.fork();
    const mailbox = await em.findOne(Mailbox, { id: mailboxId }, { populate: ['passwordEncrypted'] });
    if (mailbox === null) {
      this.logger.warn(log, 'mailbox not found; nothing to fetch');
      return { status: 'skipped', reason: 'mailbox not found' };
    }
    if ((await em.count(TicketType, { mailbox: mailboxId, active: true })) === 0) {
      this.logger.log(log, 'mailbox has no active ticket type; not fetching');
      return { status: 'skipped', reason: 'no active ticket type' };
    }
    // Backoff after failures (decision 0020) holds back the schedule only; "fetch now" goes ahead.
    if (job.trigger === 'schedule' && mailbox.backoffUntil !== null && mailbox.backoffUntil > new Date()) {
      const until = mailbox.backoffUntil.toISOString();
      this.logger.log({ ...log, backoffUntil: until }, 'mailbox is backing off after failures; not fetching');
      return {
        status: 'skipped',
        reason: `backing off after ${mailbox.consecutiveFailures} failure(s) until ${until}`,
      };
    }

    const lock = await MailboxFetchLock.tryAcquire(this.config.DATABASE_URL, mailboxId);
    if (lock === null) {
      this.logger.log(log, 'already fetching this mailbox elsewhere; finishing this job');
      return { status: 'already-fetching' };
    }

    const health = new MailboxHealthRepository(em);
    const stopTimer = fetchDurationSeconds.startTimer();
    let captured = 0;
    let secrets: string[] = [];
    let failuresBefore = 0;
    // FETCH_BUDGET_MS: looked at after each batch, so every run moves at least one batch. One stop
    // signal per run, fired by the budget or by shutdown (a listener removed in `finally`, where
    // AbortSignal.any would leave a reference on the process-wide shutdown signal for every run).
    const deadline = Date.now() + this.config.FETCH_BUDGET_MS;
    let budgetSpent = false;
    const stop = new AbortController();
    const onShutdown = () => stop.abort();
    this.stopping.signal.addEventListener('abort', onShutdown, { once: true });
    if (this.stopping.signal.aborted) stop.abort();
    try {
      failuresBefore = (await health.markStarted(mailboxId)).consecutiveFailures;
      const imapTimeouts = fetchImapTimeouts(this.config);
      const settings = withTimeouts(
        await connectionSettingsWithCredentials(mailbox, this.cipher, this.oauthTokens),
        { imap: imapTimeouts, pop3: pop3TimeoutsFrom(imapTimeouts) },
      );
      secrets = secretsOfAuth(settings.auth);
      const captures = new InboundCaptureRepository(lock.client);
      let enqueued = 0;

      const result = await this.withSession(settings, (session) =>
        session.fetchAndCapture<InboundReceipt>({
          batchSize: this.config.FETCH_BATCH_SIZE,
          maxMessageBytes: this.config.FETCH_MAX_MESSAGE_BYTES,
          signal: stop.signal,
          capture: async (message) => {
            const row = await captures.capture(mailboxId, message);
            if (row.inserted) {
              captured++;
              messagesCapturedTotal.inc();
            }
            return {
              alreadyCaptured: !row.inserted,
              inboundMessageId: row.id,
              needsProcessing: row.state === InboundState.Captured,
            };
          },
          afterBatchDeleted: async (receipts) => {
            const pending = receipts.filter((receipt) => receipt.needsProcessing);
            await enqueueInboundProcessBulk(
              this.inboundQueue,
              pending.map((receipt) => ({ inboundMessageId: receipt.inboundMessageId })),
            );
            enqueued += pending.length;
            if (Date.now() >= deadline) {
              budgetSpent = true;
              stop.abort();
            }
          },
        }),
      );

      // Spent on the last batch does not count: nothing was left to continue with.
      budgetSpent &&= result.stoppedEarly;
      await health.markSucceeded(mailboxId, {
        capturedCount: result.captured,
        outcome: budgetSpent ? FetchOutcomeKind.StoppedAfterBudget : FetchOutcomeKind.Succeeded,
        leftInMailbox: result.problems,
      });
      stopTimer({ outcome: 'success' });
      this.logger.log(
        { ...log, ...result, problems: result.problems.length, enqueued, budgetSpent },
        budgetSpent ? 'mailbox fetched until the budget ran out; the next run continues' : 'mailbox fetched',
      );
      if (result.problems.length > 0)
        this.logger.warn({ ...log, problems: result.problems }, 'messages left in the mailbox');
      return { status: 'done', result, enqueued, budgetSpent };
    } catch (error) {
      stopTimer({ outcome: 'failure' });
      const kind = failureKind(error);
      fetchFailuresTotal.inc({ kind });
      const message = redactSecrets(describe(error), secrets);
      // Every kind backs off, auth and TLS too (they need staff, but hammering helps nobody); capped at 1 h.
      const backoffUntil = fetchBackoffUntil(failuresBefore + 1, new Date());
      await health
        .markFailed(mailboxId, {
          capturedCount: captured,
          error: message,
          kind,
          consecutiveFailures: failuresBefore + 1,
          backoffUntil,
        })
        .catch((healthError: unknown) => {
          this.logger.error({ ...log, err: healthError }, 'could not record the failed fetch on the mailbox');
        });
      this.logger.warn(
        { ...log, kind, error: message, captured, backoffUntil: backoffUntil.toISOString() },
        'mailbox fetch failed',
      );
      throw new MailboxFetchError(message);
    } finally {
      this.stopping.signal.removeEventListener('abort', onShutdown);
      await lock.release();
    }
  }

  /** Graceful shutdown, step 1: running fetches stop after the batch in hand (captured, deleted, enqueued). */
  stopBetweenBatches(): void {
    this.stopping.abort();
  }

  /** Graceful shutdown, step 2 (after the worker closed): any mailbox connection still open is closed. */
  async closeSessions(): Promise<void> {
    await Promise.all([...this.openSessions].map((session) => session.close()));
  }

  private async withSession<T>(
    settings: MailboxConnectionSettings,
    work: (session: MailboxSession) => Promise<T>,
  ): Promise<T> {
    const session = await openMailboxSession(settings);
    this.openSessions.add(session);
    try {
      return await work(session);
    } finally {
      await session.close();
      this.openSessions.delete(session);
    }
  }
}

function failureKind(error: unknown): string {
  if (isMailConnectorError(error)) return error.kind;
  if (error instanceof MailboxNotFetchableError || error instanceof OAuthConfigurationError)
    return 'configuration';
  if (error instanceof OAuthReauthorizationRequiredError) return 'needs-reauthorization';
  if (error instanceof OAuthProviderError) return 'oauth-provider';
  return 'internal';
}

/** A one-line reason for staff. Connector errors are built safe; others are redacted by the caller. */
function describe(error: unknown): string {
  if (
    isMailConnectorError(error) ||
    error instanceof MailboxNotFetchableError ||
    error instanceof OAuthReauthorizationRequiredError ||
    error instanceof OAuthConfigurationError ||
    error instanceof OAuthProviderError
  )
    return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
