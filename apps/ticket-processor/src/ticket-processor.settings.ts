/**
 * Tuning of the ticket-processor. Constants rather than environment variables for now: the env
 * schema lives in @twe/config (see the report of issue 2 for the variables worth adding).
 */
export const ticketProcessorSettings = {
  /**
   * Parallel `inbound.process` jobs per replica. Parsing is CPU-bound (~330 msgs/s on the mixed set)
   * and each job holds one PostgreSQL connection for its transaction, so this stays below the pool
   * size (DATABASE_POOL_MAX, default 10) with room for the sweeper and /health.
   */
  inboundConcurrency: 8,
  /**
   * BullMQ renews the lock every lockDuration/2 while the job runs; the lock only expires when the
   * process stalls. Parsing and storing a 25 MB message in one transaction takes seconds, and this
   * machine's speed drifts 3-5x, so the lock is generous before another replica may take the job
   * (which would then wait on the row lock and find the message already processed).
   */
  inboundLockDurationMs: 120_000,
  /** How often email_queue rows left in `queued` without a job are looked for. */
  outboundSweepIntervalMs: 30_000,
  /** A `queued` row younger than this may still be waiting for the enqueue right after its commit. */
  outboundSweepMinAgeMs: 60_000,
  outboundSweepBatchSize: 500,
  /** The original text quoted in a notification is cut here (the full message stays on the ticket). */
  notificationQuoteMaxChars: 100_000,
} as const;
