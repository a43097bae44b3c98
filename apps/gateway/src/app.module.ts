import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { DatabaseModule, LoggerModule, ObservabilityModule } from '@twe/runtime';

import { BouncesModule } from './bounces/bounces.module';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { JsonBodyGuard } from './common/json-body.guard';
import { IngestModule } from './ingest/ingest.module';
import { MailboxesModule } from './mailboxes/mailboxes.module';
import { OAuthModule } from './oauth/oauth.module';
import { QueueAdminModule } from './queues/queue-admin.module';
import { SecretsModule } from './secrets/secrets.module';
import { TaskSettingsModule } from './task-settings/task-settings.module';
import { TicketTypesModule } from './ticket-types/ticket-types.module';
import { TicketsModule } from './tickets/tickets.module';

/** The admin gateway: REST API under /api, OpenAPI at /docs, /health and /metrics. */
@Module({
  imports: [
    LoggerModule,
    DatabaseModule,
    ObservabilityModule,
    // First among the features, so a missing TWE_SECRET_KEY stops the start before anything else.
    SecretsModule,
    MailboxesModule,
    OAuthModule,
    TicketTypesModule,
    TaskSettingsModule,
    TicketsModule,
    BouncesModule,
    IngestModule,
    QueueAdminModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    { provide: APP_GUARD, useClass: JsonBodyGuard },
  ],
})
export class AppModule {}
