import { Module } from '@nestjs/common';
import { QueueName } from '@twe/queues';
import { QueuesModule } from '@twe/runtime';

import { SecretsModule } from '../secrets/secrets.module';
import { MailboxRepository } from './mailbox.repository';
import { MailboxesController } from './mailboxes.controller';
import { MailboxesService } from './mailboxes.service';

@Module({
  imports: [SecretsModule, QueuesModule.forQueues([QueueName.MailFetch])],
  controllers: [MailboxesController],
  providers: [MailboxesService, MailboxRepository],
})
export class MailboxesModule {}
