import { Module } from '@nestjs/common';
import { QueueName } from '@twe/queues';
import { appConfigProvider, QueuesModule } from '@twe/runtime';

import { TicketReassignmentService } from './ticket-reassignment.service';
import { TicketsController } from './tickets.controller';
import { TicketsService } from './tickets.service';

@Module({
  imports: [QueuesModule.forQueues([QueueName.OutboundSend])],
  controllers: [TicketsController],
  providers: [appConfigProvider, TicketsService, TicketReassignmentService],
})
export class TicketsModule {}
