import { Module } from '@nestjs/common';
import { QueueName } from '@twe/queues';
import { QueuesModule } from '@twe/runtime';

import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';

@Module({
  imports: [QueuesModule.forQueues([QueueName.TicketsIngest])],
  controllers: [IngestController],
  providers: [IngestService],
})
export class IngestModule {}
