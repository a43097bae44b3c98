import { Module } from '@nestjs/common';
import { QueueName } from '@twe/queues';
import {
  appConfigProvider,
  DatabaseModule,
  LoggerModule,
  ObservabilityModule,
  QueuesModule,
} from '@twe/runtime';

import { CapturedInboundSweeper } from './captured-inbound.sweeper';
import { FetchScheduleReconciler } from './fetch-schedule.reconciler';

import { MailFetchProcessor } from './mail-fetch.processor';
import { MailboxFetchService } from './mailbox-fetch.service';
import { secretCipherProvider } from './secret-cipher.provider';

/** mail-fetcher: consumes `mail.fetch`, produces `inbound.process`, owns the fetch schedules. */
@Module({
  imports: [
    LoggerModule,
    DatabaseModule,
    QueuesModule.forQueues([QueueName.MailFetch, QueueName.InboundProcess]),
    ObservabilityModule,
  ],
  providers: [
    appConfigProvider,
    secretCipherProvider,
    MailboxFetchService,
    MailFetchProcessor,
    FetchScheduleReconciler,
    CapturedInboundSweeper,
  ],
})
export class AppModule {}
