import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EmailQueue, EmailStatus } from '@twe/persistence';
import { QueueName } from '@twe/queues';
import { PeriodicPass } from '@twe/runtime';
import type { Queue } from 'bullmq';

import { requeueOutboundUnlessLive } from '@twe/queues';
import { ticketProcessorSettings } from './ticket-processor.settings';

/**
 * Self-healing of the outbound queue: a crash between the commit of email_queue rows and the
 * `outbound.send` enqueue (or a Redis outage at that moment) leaves rows `queued` with no job.
 * Every 30 s, rows queued for more than a minute get a job unless one is still live. Replicas may
 * sweep at the same time: the deterministic job id makes the second add a no-op.
 */
@Injectable()
export class OutboundRequeueSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboundRequeueSweeper.name);
  private readonly periodic = new PeriodicPass();

  constructor(
    private readonly orm: MikroORM,
    @InjectQueue(QueueName.OutboundSend) private readonly outboundQueue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic.every(ticketProcessorSettings.outboundSweepIntervalMs, () => void this.sweepOnce());
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** One sweep (also called by tests); concurrent calls share the run in progress. */
  sweepOnce(now = new Date()): Promise<number> {
    return this.periodic.run(() =>
      this.sweep(now).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Outbound sweep failed; trying again at the next interval');
        return 0;
      }),
    );
  }

  private async sweep(now: Date): Promise<number> {
    const em = this.orm.em.fork();
    const rows = await em.find(
      EmailQueue,
      {
        status: EmailStatus.Queued,
        createdAt: { $lt: new Date(now.getTime() - ticketProcessorSettings.outboundSweepMinAgeMs) },
      },
      { fields: ['id'], orderBy: { id: 'asc' }, limit: ticketProcessorSettings.outboundSweepBatchSize },
    );
    let requeued = 0;
    for (const row of rows) {
      if (await requeueOutboundUnlessLive(this.outboundQueue, row.id)) requeued++;
    }
    if (requeued > 0)
      this.logger.warn(
        { queue: QueueName.OutboundSend, requeued },
        'Re-enqueued queued emails that had no job',
      );
    return requeued;
  }
}
