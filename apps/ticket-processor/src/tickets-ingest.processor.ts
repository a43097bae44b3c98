import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '@twe/config';
import { InboundState } from '@twe/persistence';
import {
  enqueueInboundProcess,
  ingestRemoteId,
  parseJobPayload,
  QueueName,
  type TicketsIngestPayload,
} from '@twe/queues';
import { APP_CONFIG } from '@twe/runtime';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { Counter, register } from 'prom-client';
import { z } from 'zod';

import { IngestCaptureRepository } from './ingest-capture.repository';
import { buildIngestedMessage } from './ingest-message.builder';

const ingestedTotal =
  (register.getSingleMetric('twe_ingested_messages_total') as Counter<'result'> | undefined) ??
  new Counter({
    name: 'twe_ingested_messages_total',
    help: 'tickets.ingest jobs handled by the ticket-processor, by result',
    labelNames: ['result'],
  });

export interface IngestJobResult {
  inboundMessageId: number;
  /** False when the same source + key (or content) was ingested before: the earlier row stands. */
  inserted: boolean;
}

/**
 * `tickets.ingest`: a message from another system. This job alone carries mail (decision 0035): it
 * is validated, stored as an `inbound_message` row without a mailbox, and from then on processed by
 * id through `inbound.process` like mail from a mailbox (all active types are candidates).
 */
// Few at a time: a job holds its whole message (up to ~34 MB of JSON plus the built MIME) in memory,
// and its work is one INSERT.
@Processor(QueueName.TicketsIngest, { concurrency: 2, maxStalledCount: 2 })
export class TicketsIngestProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger(TicketsIngestProcessor.name);
  private readonly captures: IngestCaptureRepository;

  constructor(
    orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.InboundProcess) private readonly inboundQueue: Queue,
  ) {
    super();
    this.captures = new IngestCaptureRepository(orm);
  }

  async process(job: Job): Promise<IngestJobResult> {
    let payload: TicketsIngestPayload;
    try {
      payload = parseJobPayload(QueueName.TicketsIngest, job.data);
    } catch (error) {
      ingestedTotal.inc({ result: 'invalid' });
      // Permanent: retrying cannot fix the data. The failed job keeps it for the sender to inspect.
      throw new UnrecoverableError(`Invalid ${QueueName.TicketsIngest} payload: ${describe(error)}`);
    }
    const context = { queue: QueueName.TicketsIngest, jobId: job.id, source: payload.source };

    let raw: Buffer;
    try {
      raw = await buildIngestedMessage(payload);
    } catch (error) {
      ingestedTotal.inc({ result: 'invalid' });
      throw new UnrecoverableError(`Cannot build the message: ${describe(error)}`);
    }

    // Database errors throw and BullMQ retries: capture is idempotent on (source, remote_id).
    const row = await this.captures.capture({
      source: payload.source,
      remoteId: ingestRemoteId(payload),
      raw,
      maxBytes: this.config.FETCH_MAX_MESSAGE_BYTES,
    });
    if (row.state === InboundState.Captured) {
      // A crash before this line leaves the row captured; the mail-fetcher's sweeper enqueues it.
      await enqueueInboundProcess(this.inboundQueue, { inboundMessageId: row.id });
    }
    ingestedTotal.inc({ result: row.inserted ? 'captured' : 'duplicate' });
    this.logger.log(
      { ...context, inboundMessageId: row.id, inserted: row.inserted, bytes: raw.length },
      row.inserted ? 'Ingested message captured' : 'Ingested message was already captured',
    );
    return { inboundMessageId: row.id, inserted: row.inserted };
  }

  /** Worker-level errors (Redis connection lost, ...): BullMQ reconnects; without a listener they would crash the process. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.error({ queue: QueueName.TicketsIngest, err: error }, 'Worker error');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}

/** zod errors as one line per field (`✖ Must be an email address → at to[0]`); never the values. */
function describe(error: unknown): string {
  if (error instanceof z.ZodError) return z.prettifyError(error).replaceAll('\n', '; ');
  return error instanceof Error ? error.message : String(error);
}
