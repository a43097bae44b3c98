import { Counter, Histogram } from 'prom-client';

/*
 * Module-level singletons in prom-client's default registry (served on /metrics by the runtime's
 * ObservabilityModule). Created once per process, so booting the Nest module twice (tests) does not
 * register a metric twice.
 */
export const messagesCapturedTotal = new Counter({
  name: 'twe_fetch_messages_captured_total',
  help: 'Messages newly captured from mailboxes (stored in inbound_message).',
});

export const fetchDurationSeconds = new Histogram({
  name: 'twe_fetch_duration_seconds',
  help: 'Duration of one mailbox fetch (connect, capture, delete, enqueue).',
  labelNames: ['outcome'] as const,
  buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
});

export const fetchFailuresTotal = new Counter({
  name: 'twe_fetch_failures_total',
  help: 'Mailbox fetches that failed, by kind (authentication, tls, timeout, connection, command, database, ...).',
  labelNames: ['kind'] as const,
});
