import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MikroORM } from '@mikro-orm/postgresql';
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
      driver: undefined,
    }),
  ],
  exports: [MikroOrmModule],
})
export class DatabaseModule implements OnModuleInit {
  constructor(private readonly orm: MikroORM) {}

  async onModuleInit(): Promise<void> {
    await assertSchemaCurrent(this.orm);
  }
}
