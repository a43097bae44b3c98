import { Injectable, NotFoundException, type PipeTransform } from '@nestjs/common';
import type { QueueName } from '@twe/queues';

import { QUEUE_NAMES } from './queue.schemas';

/** `:queue` as one of the engine's queues; anything else is a 404 that lists the valid names. */
@Injectable()
export class QueueNamePipe implements PipeTransform<string, QueueName> {
  transform(value: string): QueueName {
    if ((QUEUE_NAMES as string[]).includes(value)) return value as QueueName;
    throw new NotFoundException({
      statusCode: 404,
      message: `Queue ${JSON.stringify(value.slice(0, 100))} not found; valid queues: ${QUEUE_NAMES.join(', ')}`,
      validQueues: QUEUE_NAMES,
    });
  }
}
