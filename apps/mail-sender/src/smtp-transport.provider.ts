import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '@twe/config';
import { createSmtpTransport, type SmtpTransport } from '@twe/mail';
import { APP_CONFIG } from '@twe/runtime';

/**
 * Owns the pooled SMTP transport of this process. Closed on application shutdown, which Nest runs
 * after `beforeApplicationShutdown` (where the worker drains its sends in hand).
 */
@Injectable()
export class SmtpTransportHolder implements OnApplicationShutdown {
  private readonly logger = new Logger(SmtpTransportHolder.name);
  readonly transport: SmtpTransport;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.transport = createSmtpTransport(config);
    // Host, port and mode only: never the user name or password.
    this.logger.log(
      {
        host: config.SMTP_HOST,
        port: config.SMTP_PORT,
        security: config.SMTP_SECURITY,
        pool: config.SMTP_POOL_SIZE,
      },
      'SMTP transport configured',
    );
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
