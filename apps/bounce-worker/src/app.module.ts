import { Module } from '@nestjs/common';
import { QueueName } from '@twe/queues';
import {
  appConfigProvider,
  DatabaseModule,
  LoggerModule,
  ObservabilityModule,
  QueuesModule,
} from '@twe/runtime';

import { BounceProcessProcessor } from './bounce-process.processor';
import { ProcessBounceService } from './process-bounce.service';

/**
 * bounce-worker: consumes `bounce.process`. It has no outbound queue and no SMTP transport on
 * purpose: a bounce never causes mail (no notification, no auto-reply), so bounce storms cannot start here.
 */
@Module({
  imports: [
    LoggerModule,
    DatabaseModule,
    QueuesModule.forQueues([QueueName.BounceProcess]),
    ObservabilityModule,
  ],
  providers: [appConfigProvider, ProcessBounceService, BounceProcessProcessor],
})
export class AppModule {}
