import type { AppConfig } from '@twe/config';
import { slowestImapTimeoutMs, slowestPop3TimeoutMs, type ImapTimeouts, type Pop3Timeouts } from '@twe/mail';

/** Different mailboxes fetched at the same time by one replica (the same mailbox never: advisory lock). */
export const MAIL_FETCH_CONCURRENCY = 4;

/** The fetch's IMAP timeouts, from FETCH_*_TIMEOUT_MS (logout stays a fixed 5 s: it is only politeness). */
export function fetchImapTimeouts(
  config: Pick<
    AppConfig,
    | 'FETCH_CONNECT_TIMEOUT_MS'
    | 'FETCH_GREETING_TIMEOUT_MS'
    | 'FETCH_LOGIN_TIMEOUT_MS'
    | 'FETCH_SOCKET_TIMEOUT_MS'
    | 'FETCH_COMMAND_TIMEOUT_MS'
    | 'FETCH_MESSAGE_TIMEOUT_MS'
  >,
): ImapTimeouts {
  return {
    connectMs: config.FETCH_CONNECT_TIMEOUT_MS,
    greetingMs: config.FETCH_GREETING_TIMEOUT_MS,
    loginMs: config.FETCH_LOGIN_TIMEOUT_MS,
    socketMs: config.FETCH_SOCKET_TIMEOUT_MS,
    commandMs: config.FETCH_COMMAND_TIMEOUT_MS,
    messageMs: config.FETCH_MESSAGE_TIMEOUT_MS,
    logoutMs: 5_000,
  };
}

/**
 * 1.5x the slowest single wait of a fetch (by default the 2 min per-command and per-message limits,
 * so 3 min), so one I/O wait can never outlast the job lock even if a renewal is late. Not much longer
 * on purpose: when a replica dies mid-fetch, its job stays "active" (and its deterministic "fetch now"
 * id blocks a new one) until this lock expires and a stalled-job check hands the job to another
 * worker. Worst case: lock + stalled interval. The whole fetch may run longer than the lock
 * (FETCH_BUDGET_MS): BullMQ renews the lock every lockDuration/2 while the job runs.
 */
export function mailFetchLockDurationMs(timeouts: ImapTimeouts): number {
  return Math.round(
    1.5 * Math.max(slowestImapTimeoutMs(timeouts), slowestPop3TimeoutMs(pop3TimeoutsFrom(timeouts))),
  );
}

/** The same FETCH_*_TIMEOUT_MS limits for a POP3 mailbox (its login is one step, like IMAP's). */
export function pop3TimeoutsFrom(timeouts: ImapTimeouts): Pop3Timeouts {
  return {
    connectMs: timeouts.connectMs,
    greetingMs: timeouts.greetingMs,
    authMs: timeouts.loginMs,
    commandMs: timeouts.commandMs,
    messageMs: timeouts.messageMs,
  };
}

/** How often workers look for jobs whose lock expired (their replica died). */
export const MAIL_FETCH_STALLED_INTERVAL_MS = 15_000;

/** A stalled fetch (its replica died) is tried once more, then fails visibly; the schedule runs it again anyway. */
export const MAIL_FETCH_MAX_STALLED_COUNT = 1;
