import { Module } from '@nestjs/common';
import { QueueName } from '@twe/queues';
import {
  appConfigProvider,
  DatabaseModule,
  LoggerModule,
  ObservabilityModule,
  QueuesModule,
} from '@twe/runtime';

import { InboundProcessProcessor } from './inbound-process.processor';
import { OutboundRequeueSweeper } from './outbound-requeue.sweeper';
import { NotificationPlanner } from './notification-planner.service';
import { ProcessInboundMessageService } from './process-inbound-message.service';
import { SaveTableWriter } from './save-table-writer.service';
import { ThreadResolver } from './thread-resolver.service';
import { TicketsIngestProcessor } from './tickets-ingest.processor';

/** ticket-processor: consumes `inbound.process` and `tickets.ingest`, produces `outbound.send`. */
@Module({
  imports: [
    LoggerModule,
    DatabaseModule,
    QueuesModule.forQueues([
      QueueName.InboundProcess,
      QueueName.OutboundSend,
      QueueName.BounceProcess,
      QueueName.TicketsIngest,
    ]),
    ObservabilityModule,
  ],
  providers: [
    appConfigProvider,
    ThreadResolver,
    NotificationPlanner,
    SaveTableWriter,
    ProcessInboundMessageService,
    InboundProcessProcessor,
    OutboundRequeueSweeper,
    TicketsIngestProcessor,
  ],
})
export class AppModule {}
