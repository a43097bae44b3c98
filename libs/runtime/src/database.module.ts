import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Module, type OnModuleInit } from '@nestjs/common';
import { assertSchemaCurrent, ormConfig } from '@twe/persistence';

import { appConfig } from './app-config.provider';

/** MikroORM for a service; refuses to start when migrations are pending. */
@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      useFactory: () => {
        const config = appConfig();
        return ormConfig({ databaseUrl: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
      },
      // Naming the driver keeps @mikro-orm/nestjs from calling the factory at import time
      // (before main.ts or a test has set the environment).
      driver: PostgreSqlDriver,
    }),
  ],
})
export class DatabaseModule implements OnModuleInit {
  constructor(private readonly orm: MikroORM) {}

  async onModuleInit(): Promise<void> {
    await assertSchemaCurrent(this.orm);
  }
}
