/**
 * How long a mailbox waits after failed fetches before the schedule tries it again: exponential
 * (base, doubling per consecutive failure) with jitter, so that mailboxes that failed together (one
 * server down) do not all come back in the same second, and never longer than the cap.
 */
export interface FetchBackoffPolicy {
  /** Wait after the first failure, before jitter. */
  baseMs: number;
  /** Longest wait, jitter included. */
  capMs: number;
  /** Relative spread: 0.2 = each wait is drawn from [-20 %, +20 %] around the exponential value. */
  jitterRatio: number;
}

/** Decision 0020: 60 s, doubling, at most 1 h, ±20 %. */
export const DEFAULT_FETCH_BACKOFF: FetchBackoffPolicy = {
  baseMs: 60_000,
  capMs: 60 * 60_000,
  jitterRatio: 0.2,
};

/**
 * The wait after `consecutiveFailures` failures in a row (1 = the first failure). `random` returns a
 * number in [0, 1) (Math.random by default; tests pass fixed values). 0 failures means no wait.
 *
 * The cap is applied after the jitter: at the cap the waits spread over [cap - 20 %, cap] instead of
 * all landing exactly on the hour.
 */
export function fetchBackoffMs(
  consecutiveFailures: number,
  policy: FetchBackoffPolicy = DEFAULT_FETCH_BACKOFF,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(consecutiveFailures) || consecutiveFailures < 0) {
    throw new RangeError(`consecutiveFailures must be a whole number >= 0, got ${consecutiveFailures}`);
  }
  if (consecutiveFailures === 0) return 0;
  // 2^(n-1) grows past any cap long before it overflows; the exponent is clamped all the same.
  const exponential = policy.baseMs * 2 ** Math.min(consecutiveFailures - 1, 30);
  const jitter = 1 + policy.jitterRatio * (2 * random() - 1);
  return Math.round(Math.min(policy.capMs, Math.min(policy.capMs, exponential) * jitter));
}

/** The moment until which the schedule leaves the mailbox alone. */
export function fetchBackoffUntil(
  consecutiveFailures: number,
  now: Date,
  policy: FetchBackoffPolicy = DEFAULT_FETCH_BACKOFF,
  random: () => number = Math.random,
): Date {
  return new Date(now.getTime() + fetchBackoffMs(consecutiveFailures, policy, random));
}
