import { Module } from '@nestjs/common';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';

import { appConfig } from './app-config.provider';

/**
 * Structured JSON logs. Secrets never reach a log line: request bodies are not logged, and
 * authorization headers and any field that looks like a secret are redacted.
 */
@Module({
  imports: [
    PinoLoggerModule.forRootAsync({
      useFactory: () => ({
        pinoHttp: {
          level: appConfig().LOG_LEVEL,
          autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              '*.password',
              '*.clientSecret',
              '*.refreshToken',
              '*.accessToken',
            ],
            censor: '[redacted]',
          },
        },
      }),
    }),
  ],
})
export class LoggerModule {}
