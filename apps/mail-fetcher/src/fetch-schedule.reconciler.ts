import { MikroORM } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { AppConfig } from '@twe/config';
import { BackgroundTaskName, BackgroundTaskSetting, TicketType } from '@twe/persistence';
import { jobId, QueueName, removeFetchSchedule, upsertFetchSchedule } from '@twe/queues';
import { APP_CONFIG } from '@twe/runtime';
import type { Queue } from 'bullmq';

export interface ReconcileResult {
  intervalSeconds: number;
  enabled: boolean;
  /** Mailboxes whose scheduler was created or changed to the current interval. */
  upserted: number[];
  removed: number[];
  unchanged: number[];
}

/** `mailbox-<id>` (jobId.fetchScheduler) -> id; other schedulers on the queue are not ours to touch. */
function mailboxIdOfScheduler(key: string): number | null {
  const match = /^mailbox-(\d+)$/.exec(key);
  if (match === null || jobId.fetchScheduler(Number(match[1])) !== key) return null;
  return Number(match[1]);
}

/**
 * Keeps one BullMQ job scheduler per mailbox that has an active ticket type, repeating at the
 * 'email-processing' task interval (SPEC §7: changeable without a restart). Runs at start-up and every
 * FETCH_RECONCILE_SECONDS on every replica: the outcome depends only on the database, so replicas agree.
 *
 * A scheduler is upserted only when missing or when its interval differs: re-upserting an unchanged one
 * would move its next run, and with a short reconcile period a long interval would never come due.
 */
@Injectable()
export class FetchScheduleReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(FetchScheduleReconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileResult> | null = null;

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.MailFetch) private readonly fetchQueue: Queue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reconcileAndLog();
    this.timer = setInterval(() => void this.reconcileAndLog(), this.config.FETCH_RECONCILE_SECONDS * 1000);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One pass; concurrent callers share the pass in progress. */
  reconcile(): Promise<ReconcileResult> {
    this.running ??= this.reconcileOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async reconcileAndLog(): Promise<void> {
    try {
      const result = await this.reconcile();
      if (result.upserted.length || result.removed.length) {
        this.logger.log(
          { queue: QueueName.MailFetch, ...result, unchanged: result.unchanged.length },
          'fetch schedules updated',
        );
      }
    } catch (error) {
      // The next pass tries again; existing schedulers keep running meanwhile.
      this.logger.warn({ queue: QueueName.MailFetch, err: error }, 'could not reconcile fetch schedules');
    }
  }

  private async reconcileOnce(): Promise<ReconcileResult> {
    const em = this.orm.em.fork();
    const setting = await em.findOne(BackgroundTaskSetting, { name: BackgroundTaskName.EmailProcessing });
    const intervalSeconds = setting?.intervalSeconds ?? this.config.FETCH_DEFAULT_INTERVAL_SECONDS;
    const enabled = setting?.enabled ?? true;

    const wanted = new Set<number>();
    if (enabled) {
      const activeTypes = await em.find(TicketType, { active: true }, { fields: ['mailbox'] });
      for (const type of activeTypes) wanted.add(type.mailbox.id);
    }

    const existing = new Map<number, number | undefined>();
    for (const scheduler of await this.fetchQueue.getJobSchedulers(0, -1)) {
      const mailboxId = mailboxIdOfScheduler(scheduler.key);
      if (mailboxId !== null) existing.set(mailboxId, scheduler.every);
    }

    const result: ReconcileResult = { intervalSeconds, enabled, upserted: [], removed: [], unchanged: [] };
    for (const mailboxId of [...wanted].sort((a, b) => a - b)) {
      if (existing.has(mailboxId) && existing.get(mailboxId) === intervalSeconds * 1000) {
        result.unchanged.push(mailboxId);
        continue;
      }
      await upsertFetchSchedule(this.fetchQueue, mailboxId, intervalSeconds);
      result.upserted.push(mailboxId);
    }
    for (const mailboxId of existing.keys()) {
      if (wanted.has(mailboxId)) continue;
      await removeFetchSchedule(this.fetchQueue, mailboxId);
      result.removed.push(mailboxId);
    }
    return result;
  }
}
