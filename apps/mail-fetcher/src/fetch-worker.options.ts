import { slowestImapTimeoutMs, slowestPop3TimeoutMs } from '@twe/mail';

/** Different mailboxes fetched at the same time by one replica (the same mailbox never: advisory lock). */
export const MAIL_FETCH_CONCURRENCY = 4;

/**
 * 1.5x the slowest single IMAP or POP3 wait (socket inactivity / one command, 60 s), so one I/O wait can never outlast the
 * job lock even if a renewal is late. Not much longer on purpose: when a replica dies mid-fetch, its
 * job stays "active" (and its deterministic "fetch now" id blocks a new one) until this lock expires
 * and a stalled-job check hands the job to another worker. Worst case: lock + stalled interval.
 */
export const MAIL_FETCH_LOCK_DURATION_MS = Math.round(
  1.5 * Math.max(slowestImapTimeoutMs(), slowestPop3TimeoutMs()),
);

/** How often workers look for jobs whose lock expired (their replica died). */
export const MAIL_FETCH_STALLED_INTERVAL_MS = 15_000;

/** A stalled fetch (its replica died) is tried once more, then fails visibly; the schedule runs it again anyway. */
export const MAIL_FETCH_MAX_STALLED_COUNT = 1;
