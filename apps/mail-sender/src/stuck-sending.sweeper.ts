import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EmailStatus } from '@twe/persistence';
import { QueueName } from '@twe/queues';
import { PeriodicPass } from '@twe/runtime';
import type { Queue } from 'bullmq';

import { mailSenderSettings } from './mail-sender.settings';
import { requeueOutboundUnlessLive } from '@twe/queues';

/**
 * Rows left in `sending` by a worker that died mid-send (OOM kill, node lost) go back to `queued`
 * and get a job again.
 *
 * DUPLICATE-SEND RISK: a row stuck in `sending` may well have been delivered: the server can have
 * accepted the DATA before the process died and before `sent` was committed. Sending it again is
 * the price of never losing an email (at-least-once). The recipient then gets it twice, with the
 * same Message-ID, which lets most clients and servers collapse the copies. The threshold is far
 * above the job lock and the SMTP timeouts, so a send that is still alive is never taken back.
 */
@Injectable()
export class StuckSendingSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StuckSendingSweeper.name);
  private readonly periodic = new PeriodicPass();

  constructor(
    private readonly orm: MikroORM,
    @InjectQueue(QueueName.OutboundSend) private readonly outboundQueue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic.every(mailSenderSettings.stuckSweepIntervalMs, () => void this.sweepOnce());
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** One sweep (also called by tests); concurrent calls share the run in progress. */
  sweepOnce(): Promise<number> {
    return this.periodic.run(() =>
      this.sweep().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Stuck-sending sweep failed; trying again at the next interval');
        return 0;
      }),
    );
  }

  private async sweep(): Promise<number> {
    const em = this.orm.em.fork();
    const minutes = Math.round(mailSenderSettings.stuckSendingAfterMs / 60_000);
    // One statement: a worker that finishes meanwhile finds the row no longer `sending` and leaves it.
    const rows = await em.execute<Array<{ id: number }>>(
      `update "email_queue" set "status" = ?, "last_error" = ?
        where "id" in (select "id" from "email_queue" where "status" = ? and "sending_started_at" < ?
                       order by "id" limit ? for update skip locked)
        returning "id"`,
      [
        EmailStatus.Queued,
        `Sending did not finish within ${minutes} minutes (worker stopped?); queued again, the recipient may get it twice`,
        EmailStatus.Sending,
        new Date(Date.now() - mailSenderSettings.stuckSendingAfterMs),
        mailSenderSettings.stuckSweepBatchSize,
      ],
    );
    for (const row of rows) await requeueOutboundUnlessLive(this.outboundQueue, row.id);
    if (rows.length > 0) {
      this.logger.warn(
        { queue: QueueName.OutboundSend, emailQueueIds: rows.map((row) => row.id) },
        'Stuck emails queued again',
      );
    }
    return rows.length;
  }
}
