import { MikroORM } from '@mikro-orm/postgresql';
import { Controller, Get, Header, Inject, Module, ServiceUnavailableException } from '@nestjs/common';
import type { AppConfig } from '@twe/config';
import { Redis } from 'ioredis';
import { collectDefaultMetrics, register } from 'prom-client';

import { APP_CONFIG, appConfigProvider } from './app-config.provider';

collectDefaultMetrics();

/** `/health` (readiness: PostgreSQL and Redis answer) and `/metrics` (Prometheus) on every service. */
@Controller()
export class ObservabilityController {
  private readonly redis: Redis;

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  }

  @Get('health')
  async health(): Promise<{ status: 'ok'; database: 'up'; redis: 'up' }> {
    const problems: string[] = [];
    await this.orm.em
      .getConnection()
      .execute('select 1')
      .catch((error: Error) => problems.push(`database: ${error.message}`));
    await this.redis.ping().catch((error: Error) => problems.push(`redis: ${error.message}`));
    if (problems.length > 0) throw new ServiceUnavailableException(problems.join('; '));
    return { status: 'ok', database: 'up', redis: 'up' };
  }

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect();
  }
}

@Module({ controllers: [ObservabilityController], providers: [appConfigProvider] })
export class ObservabilityModule {}
