import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ClientRedis, ServerRedis, type MessageHandler } from '@nestjs/microservices';
import type { AppConfig } from '@twe/config';
import { redisConnectionOptions, rpcChannel } from '@twe/queues';
import { firstValueFrom, timeout } from 'rxjs';

import { APP_CONFIG, appConfig, appConfigProvider } from './app-config.provider';

function redisOptions(config: AppConfig) {
  // Nest's Redis transport passes these to ioredis. BullMQ's `maxRetriesPerRequest: null` is not wanted
  // here: a request while Redis is down should fail (the gateway answers 503), not wait forever.
  const connection = { ...(redisConnectionOptions(config.REDIS_URL) as Record<string, unknown>) };
  delete connection['maxRetriesPerRequest'];
  return { ...connection, retryAttempts: 1_000_000, retryDelay: 1_000 };
}

/**
 * Nest's Redis server with every channel behind the deployment's QUEUE_PREFIX (see `rpcChannel`).
 * Handlers are still registered under the plain pattern (`@MessagePattern(RpcPattern.X)`).
 */
export class PrefixedRedisServer extends ServerRedis {
  constructor(
    private readonly prefix: string,
    config: AppConfig,
  ) {
    super(redisOptions(config));
  }

  override getRequestPattern(pattern: string): string {
    return rpcChannel(this.prefix, pattern);
  }

  override getHandlerByPattern(pattern: string): MessageHandler | null {
    const own = rpcChannel(this.prefix, '');
    return super.getHandlerByPattern(pattern.startsWith(own) ? pattern.slice(own.length) : pattern);
  }
}

/** The client side of `PrefixedRedisServer`. */
export class PrefixedRedisClient extends ClientRedis {
  constructor(
    private readonly prefix: string,
    config: AppConfig,
  ) {
    super(redisOptions(config));
  }

  override getRequestPattern(pattern: string): string {
    return rpcChannel(this.prefix, pattern);
  }

  override getReplyPattern(pattern: string): string {
    return `${rpcChannel(this.prefix, pattern)}.reply`;
  }
}

/** Thrown when no worker answered in time (none running, or all busy). */
export class RpcTimeoutError extends Error {
  override name = 'RpcTimeoutError';
}

/** Request/reply to the workers; one Redis connection pair per process, closed on shutdown. */
@Injectable()
export class RpcClient implements OnApplicationShutdown {
  private readonly client: PrefixedRedisClient;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = new PrefixedRedisClient(config.QUEUE_PREFIX, config);
  }

  async request<T>(pattern: string, data: unknown, timeoutMs: number): Promise<T> {
    try {
      return await firstValueFrom(this.client.send<T>(pattern, data).pipe(timeout(timeoutMs)));
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new RpcTimeoutError(`No worker answered ${pattern} within ${timeoutMs} ms`);
      }
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

@Module({ providers: [appConfigProvider, RpcClient], exports: [RpcClient] })
export class RpcClientModule {}

/** For a worker's bootstrap: the server that answers the gateway's requests. */
export function rpcServer(): PrefixedRedisServer {
  const config = appConfig();
  return new PrefixedRedisServer(config.QUEUE_PREFIX, config);
}
