import type { EntityManager } from '@mikro-orm/postgresql';
import type { FetchProblem } from '@twe/mail';
import { FetchOutcomeKind, Mailbox } from '@twe/persistence';

/** lastError is shown to staff; a runaway server answer must not fill the row. */
const MAX_ERROR_LENGTH = 2_000;
/** The same for the list of messages left in the mailbox (one bad server could report thousands). */
const MAX_LEFT_IN_MAILBOX = 100;

function clip(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

export interface FetchSucceeded {
  capturedCount: number;
  /** `stopped-after-budget` when FETCH_BUDGET_MS ran out and the next run continues. */
  outcome: typeof FetchOutcomeKind.Succeeded | typeof FetchOutcomeKind.StoppedAfterBudget;
  /** Messages left on the server on purpose (e.g. an empty body); the fetch still counts as a success. */
  leftInMailbox: FetchProblem[];
}

export interface FetchFailed {
  capturedCount: number;
  /** Safe to show: no secrets. */
  error: string;
  /** `authentication`, `tls`, `timeout`, `connection`, `configuration`, ... */
  kind: string;
  /** The count including this failure (the caller read the previous one under the fetch lock). */
  consecutiveFailures: number;
  /** The schedule leaves the mailbox alone until then. */
  backoffUntil: Date;
}

/**
 * The mailbox's health as staff see it (SPEC §2): last fetch, last success, last error and its kind,
 * captured count, backoff. Single-statement updates, so a crash never leaves a half-written state;
 * `lastFetchStartedAt` newer than `lastFetchFinishedAt` means "running" (or a fetch that died, which
 * the next one overwrites). Written only under the mailbox's fetch lock, so read-then-write of the
 * failure count is safe.
 */
export class MailboxHealthRepository {
  constructor(private readonly em: EntityManager) {}

  /** Notes the start; returns the consecutive failures before this run (for the backoff if it fails). */
  async markStarted(mailboxId: number): Promise<{ consecutiveFailures: number }> {
    const rows = await this.em
      .getConnection()
      .execute<Array<{ consecutive_failures: number }>>(
        'update "mailbox" set "last_fetch_started_at" = now() where "id" = ? returning "consecutive_failures"',
        [mailboxId],
      );
    return { consecutiveFailures: rows[0]?.consecutive_failures ?? 0 };
  }

  /** A success (also one stopped by the budget) ends the backoff: the count and the wait start over. */
  async markSucceeded(mailboxId: number, fetch: FetchSucceeded): Promise<void> {
    const now = new Date();
    await this.em.nativeUpdate(
      Mailbox,
      { id: mailboxId },
      {
        lastFetchFinishedAt: now,
        lastSuccessAt: now,
        lastFetchCapturedCount: fetch.capturedCount,
        lastFetchOutcome: fetch.outcome,
        consecutiveFailures: 0,
        lastError: null,
        lastFailureKind: null,
        backoffUntil: null,
        leftInMailbox:
          fetch.leftInMailbox.length === 0
            ? null
            : fetch.leftInMailbox
                .slice(0, MAX_LEFT_IN_MAILBOX)
                .map((problem) => ({ remoteId: problem.remoteId, reason: clip(problem.reason) })),
      },
    );
  }

  /** `leftInMailbox` is kept: a failed run did not look at every message, so the last list still stands. */
  async markFailed(mailboxId: number, fetch: FetchFailed): Promise<void> {
    await this.em.nativeUpdate(
      Mailbox,
      { id: mailboxId },
      {
        lastFetchFinishedAt: new Date(),
        lastFetchCapturedCount: fetch.capturedCount,
        lastFetchOutcome: FetchOutcomeKind.Failed,
        consecutiveFailures: fetch.consecutiveFailures,
        lastError: clip(fetch.error),
        lastFailureKind: fetch.kind,
        backoffUntil: fetch.backoffUntil,
      },
    );
  }
}
