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
import { ProcessInboundMessageService } from './process-inbound-message.service';

/** ticket-processor: consumes `inbound.process`, produces `outbound.send`. */
@Module({
  imports: [
    LoggerModule,
    DatabaseModule,
    QueuesModule.forQueues([QueueName.InboundProcess, QueueName.OutboundSend, QueueName.BounceProcess]),
    ObservabilityModule,
  ],
  providers: [
    appConfigProvider,
    ProcessInboundMessageService,
    InboundProcessProcessor,
    OutboundRequeueSweeper,
  ],
})
export class AppModule {}
