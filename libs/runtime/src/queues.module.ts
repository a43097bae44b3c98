import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { defaultJobOptions, redisConnectionOptions, type QueueName } from '@twe/queues';

import { appConfig } from './app-config.provider';

/** BullMQ on the configured Redis and prefix, with the queues a service produces to or consumes. */
@Module({})
export class QueuesModule {
  static forQueues(queues: QueueName[]): DynamicModule {
    return {
      module: QueuesModule,
      imports: [
        BullModule.forRootAsync({
          useFactory: () => {
            const config = appConfig();
            return { connection: redisConnectionOptions(config.REDIS_URL), prefix: config.QUEUE_PREFIX };
          },
        }),
        BullModule.registerQueue(
          ...queues.map((name) => ({ name, defaultJobOptions: defaultJobOptions[name] })),
        ),
      ],
      exports: [BullModule],
    };
  }
}
