import { Module } from '@nestjs/common';
import { QueueName } from '@twe/queues';
import {
  appConfigProvider,
  DatabaseModule,
  LoggerModule,
  ObservabilityModule,
  QueuesModule,
} from '@twe/runtime';

import { OutboundSendProcessor } from './outbound-send.processor';
import { ReturnPathService } from './return-path.service';
import { SendEmailService } from './send-email.service';

import { SmtpTransportHolder } from './smtp-transport.provider';
import { StuckSendingSweeper } from './stuck-sending.sweeper';

/** mail-sender: consumes `outbound.send` (email_queue rows -> SMTP). */
@Module({
  imports: [
    LoggerModule,
    DatabaseModule,
    QueuesModule.forQueues([QueueName.OutboundSend]),
    ObservabilityModule,
  ],
  providers: [
    appConfigProvider,
    SmtpTransportHolder,
    SendEmailService,
    ReturnPathService,
    OutboundSendProcessor,
    StuckSendingSweeper,
  ],
})
export class AppModule {}
