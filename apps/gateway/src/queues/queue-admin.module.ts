import { getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QueuesModule as RuntimeQueuesModule } from '@twe/runtime';
import type { Queue } from 'bullmq';

import { FailedRowReopener } from './failed-row-reopener';
import { QueuesController } from './queues.controller';
import { QUEUES_BY_NAME, QueuesService } from './queues.service';
import { QUEUE_NAMES } from './queue.schemas';

/** Staff view of every queue: counts, failed jobs and retrying them (ARCHITECTURE: failed jobs stay visible). */
@Module({
  imports: [RuntimeQueuesModule.forQueues(QUEUE_NAMES)],
  controllers: [QueuesController],
  providers: [
    QueuesService,
    FailedRowReopener,
    {
      provide: QUEUES_BY_NAME,
      useFactory: (...queues: Queue[]) => new Map(QUEUE_NAMES.map((name, index) => [name, queues[index]!])),
      inject: QUEUE_NAMES.map((name) => getQueueToken(name)),
    },
  ],
})
export class QueueAdminModule {}
