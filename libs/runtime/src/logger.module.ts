import { Module } from '@nestjs/common';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';

import { appConfig } from './app-config.provider';

/** Query parameters that carry credentials (the OAuth redirect's authorization code and state). */
const SECRET_QUERY_PARAMETERS = /([?&](?:code|state|access_token|refresh_token|client_secret)=)[^&#]*/gi;

/** The request line as logged: credential-bearing query values replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAMETERS, '$1[redacted]');
}

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
              'req.query.code',
              'req.query.state',
            ],
            censor: '[redacted]',
          },
          serializers: {
            req: (request: { url?: string }) => {
              if (typeof request.url === 'string') request.url = redactUrl(request.url);
              return request;
            },
          },
        },
      }),
    }),
  ],
})
export class LoggerModule {}
