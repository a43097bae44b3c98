import { SMTP_TIMEOUTS } from '@twe/mail';

/** Tuning of the mail-sender (constants for now; see the issue 2 report for env variables to add). */
export const mailSenderSettings = {
  /** Parallel sends per replica; the SMTP pool (SMTP_POOL_SIZE) queues what exceeds its connections. */
  sendConcurrency: 10,
  /**
   * Lock of an `outbound.send` job: BullMQ renews it every half period while the send runs, so it
   * only expires when the process stalls or dies. It stays above one send's worst case (connect +
   * greeting + an idle socket) so a slow but live send is never handed to a second worker.
   */
  sendLockDurationMs: 5 * 60_000,
  /**
   * A row `sending` for longer than this belongs to a worker that died mid-send. Well above the lock
   * (a live worker keeps renewing it) and above the SMTP timeouts.
   */
  stuckSendingAfterMs: 10 * 60_000,
  stuckSweepIntervalMs: 60_000,
  stuckSweepBatchSize: 500,
} as const;

// Guard against someone raising the SMTP timeouts above the thresholds that rely on them.
const worstCaseSendMs =
  SMTP_TIMEOUTS.dnsTimeoutMs +
  SMTP_TIMEOUTS.connectionTimeoutMs +
  SMTP_TIMEOUTS.greetingTimeoutMs +
  SMTP_TIMEOUTS.socketTimeoutMs;
if (
  worstCaseSendMs >= mailSenderSettings.sendLockDurationMs ||
  mailSenderSettings.sendLockDurationMs >= mailSenderSettings.stuckSendingAfterMs
) {
  throw new Error(
    'mail-sender settings: SMTP timeouts < job lock duration < stuck-sending threshold must hold',
  );
}
