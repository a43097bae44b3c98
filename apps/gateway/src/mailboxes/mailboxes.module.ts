import { Module } from '@nestjs/common';
import { QueueName } from '@twe/queues';
import { appConfigProvider, QueuesModule, RpcClientModule } from '@twe/runtime';

import { SecretsModule } from '../secrets/secrets.module';
import { MailboxConnectionTestController } from './mailbox-connection-test.controller';
import { MailboxRepository } from './mailbox.repository';
import { MailboxesController } from './mailboxes.controller';
import { MailboxesService } from './mailboxes.service';

@Module({
  imports: [SecretsModule, QueuesModule.forQueues([QueueName.MailFetch]), RpcClientModule],
  controllers: [MailboxesController, MailboxConnectionTestController],
  providers: [appConfigProvider, MailboxesService, MailboxRepository],
})
export class MailboxesModule {}
