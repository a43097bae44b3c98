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
import { MailboxConnectionTestController } from './mailbox-connection-test.controller';
import { MailboxConnectionTestService } from './mailbox-connection-test.service';
import { MailboxFetchService } from './mailbox-fetch.service';
import { oauthTokenServiceProvider } from './oauth-token.provider';
import { secretCipherProvider } from './secret-cipher.provider';

/** mail-fetcher: consumes `mail.fetch`, produces `inbound.process`, owns the fetch schedules. */
@Module({
  imports: [
    LoggerModule,
    DatabaseModule,
    QueuesModule.forQueues([QueueName.MailFetch, QueueName.InboundProcess]),
    ObservabilityModule,
  ],
  controllers: [MailboxConnectionTestController],
  providers: [
    appConfigProvider,
    secretCipherProvider,
    oauthTokenServiceProvider,
    MailboxFetchService,
    MailFetchProcessor,
    FetchScheduleReconciler,
    CapturedInboundSweeper,
    MailboxConnectionTestService,
  ],
})
export class AppModule {}
