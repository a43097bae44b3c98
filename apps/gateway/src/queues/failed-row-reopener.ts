import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { EmailQueue, EmailStatus, InboundMessage, InboundState } from '@twe/persistence';
import { jobPayloadSchemas, QueueName } from '@twe/queues';

/**
 * On its last attempt a consumer marks the job's row failed (so staff see it), and consumers skip
 * rows that are not `queued` / `captured` (BullMQ delivers at least once). A retried job would
 * therefore do nothing: its row is put back first. Only a row still failed is changed — a sent or
 * bounced email, or a processed message, stays as it is and the retried job skips it.
 * mail.fetch, tickets.ingest and assignment.process jobs have no such row state.
 */
@Injectable()
export class FailedRowReopener {
  constructor(private readonly em: EntityManager) {}

  async reopen(queue: QueueName, data: unknown): Promise<void> {
    switch (queue) {
      case QueueName.OutboundSend: {
        const payload = jobPayloadSchemas[queue].safeParse(data);
        if (!payload.success) return;
        await this.em
          .fork()
          .nativeUpdate(
            EmailQueue,
            { id: payload.data.emailQueueId, status: EmailStatus.Failed },
            { status: EmailStatus.Queued },
          );
        return;
      }
      case QueueName.InboundProcess:
      case QueueName.BounceProcess: {
        const payload = jobPayloadSchemas[queue].safeParse(data);
        if (!payload.success) return;
        await this.em
          .fork()
          .nativeUpdate(
            InboundMessage,
            { id: payload.data.inboundMessageId, state: InboundState.Failed },
            { state: InboundState.Captured, error: null },
          );
        return;
      }
      default:
        return;
    }
  }
}
