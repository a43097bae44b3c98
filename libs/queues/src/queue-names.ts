/**
 * Queue names. NEVER rename a value: jobs already in Redis under the old name would be stranded
 * after an upgrade. Add a new queue instead and drain the old one.
 */
export const QueueName = {
  MailFetch: 'mail.fetch',
  InboundProcess: 'inbound.process',
  TicketsIngest: 'tickets.ingest',
  AssignmentProcess: 'assignment.process',
  BounceProcess: 'bounce.process',
  OutboundSend: 'outbound.send',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];
