import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InboundMessage, InboundState } from '@twe/persistence';
import { enqueueInboundProcessBulk, QueueName } from '@twe/queues';
import { PeriodicPass } from '@twe/runtime';
import type { Queue } from 'bullmq';

const SWEEP_EVERY_MS = 30_000;
/** Younger rows belong to a fetch that is still between its capture and its enqueue. */
const CAPTURED_FOR_AT_LEAST_MS = 60_000;
const PAGE_SIZE = 500;
/** Bounds one pass; what is left waits for the next pass. */
const MAX_PER_SWEEP = 20_000;

/**
 * Self-healing for a crash between capture and enqueue: `inbound_message` rows still `captured` a
 * minute after capture get their `inbound.process` job (again). The deterministic job id makes this a
 * no-op for rows whose job is still in Redis, so every replica may sweep.
 */
@Injectable()
export class CapturedInboundSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CapturedInboundSweeper.name);
  private readonly periodic = new PeriodicPass();

  constructor(
    private readonly orm: MikroORM,
    @InjectQueue(QueueName.InboundProcess) private readonly inboundQueue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweepAndLog();
    this.periodic.every(SWEEP_EVERY_MS, () => void this.sweepAndLog());
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass; returns how many rows were (re-)enqueued. Concurrent callers share the pass in progress. */
  sweep(): Promise<number> {
    return this.periodic.run(() => this.sweepOnce());
  }

  private async sweepAndLog(): Promise<void> {
    try {
      const count = await this.sweep();
      if (count > 0)
        this.logger.log({ queue: QueueName.InboundProcess, count }, 're-enqueued captured messages');
    } catch (error) {
      this.logger.warn({ queue: QueueName.InboundProcess, err: error }, 'sweep of captured messages failed');
    }
  }

  private async sweepOnce(): Promise<number> {
    const em = this.orm.em.fork();
    const cutoff = new Date(Date.now() - CAPTURED_FOR_AT_LEAST_MS);
    let afterId = 0;
    let total = 0;
    while (total < MAX_PER_SWEEP) {
      const rows = await em.find(
        InboundMessage,
        { state: InboundState.Captured, capturedAt: { $lt: cutoff }, id: { $gt: afterId } },
        { fields: ['id'], orderBy: { id: 'asc' }, limit: PAGE_SIZE },
      );
      if (rows.length === 0) break;
      await enqueueInboundProcessBulk(
        this.inboundQueue,
        rows.map((row) => ({ inboundMessageId: row.id })),
      );
      total += rows.length;
      afterId = rows[rows.length - 1].id;
      em.clear();
    }
    return total;
  }
}
