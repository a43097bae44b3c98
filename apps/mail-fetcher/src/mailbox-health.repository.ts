import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Mailbox } from '@twe/persistence';

/** lastError is shown to staff; a runaway server answer must not fill the row. */
const MAX_ERROR_LENGTH = 2_000;

function clip(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/**
 * The mailbox's health as staff see it (SPEC §2): last fetch, last success, last error, captured count.
 * Single-statement updates, so a crash never leaves a half-written state; `lastFetchStartedAt` newer
 * than `lastFetchFinishedAt` means "running" (or a fetch that died, which the next one overwrites).
 */
export class MailboxHealthRepository {
  constructor(private readonly em: EntityManager) {}

  async markStarted(mailboxId: number): Promise<void> {
    await this.em.nativeUpdate(Mailbox, { id: mailboxId }, { lastFetchStartedAt: new Date() });
  }

  /** `problems` (messages left on the server on purpose) go into lastError, but the fetch counts as a success. */
  async markSucceeded(mailboxId: number, capturedCount: number, problems: string | null): Promise<void> {
    const now = new Date();
    await this.em.nativeUpdate(
      Mailbox,
      { id: mailboxId },
      {
        lastFetchFinishedAt: now,
        lastSuccessAt: now,
        lastFetchCapturedCount: capturedCount,
        consecutiveFailures: 0,
        lastError: problems === null ? null : clip(problems),
      },
    );
  }

  async markFailed(mailboxId: number, capturedCount: number, error: string): Promise<void> {
    await this.em.nativeUpdate(
      Mailbox,
      { id: mailboxId },
      {
        lastFetchFinishedAt: new Date(),
        lastFetchCapturedCount: capturedCount,
        consecutiveFailures: raw('consecutive_failures + 1'),
        lastError: clip(error),
      },
    );
  }
}
