import { Queue, type ConnectionOptions } from 'bullmq';

import { defaultJobOptions } from './job-options';
import type { QueueName } from './queue-names';

export interface QueueConnectionSettings {
  redisUrl: string;
  prefix: string;
}

/** ioredis options from a URL; `maxRetriesPerRequest: null` is what BullMQ workers require. */
export function redisConnectionOptions(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

export function createQueue(name: QueueName, settings: QueueConnectionSettings): Queue {
  return new Queue(name, {
    connection: redisConnectionOptions(settings.redisUrl),
    prefix: settings.prefix,
    defaultJobOptions: defaultJobOptions[name],
  });
}
