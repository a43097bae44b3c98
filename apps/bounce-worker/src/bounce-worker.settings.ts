/** Tuning of the bounce-worker (constants, like the other workers' settings). */
export const bounceWorkerSettings = {
  /** Parsing is CPU work on a few KB per message; a handful in parallel keeps PostgreSQL busy enough. */
  concurrency: 5,
  /** One bounce takes milliseconds; the lock only has to outlive a slow database round trip. */
  lockDurationMs: 60_000,
} as const;
