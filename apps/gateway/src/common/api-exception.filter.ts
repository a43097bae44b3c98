import {
  type ArgumentsHost,
  BadRequestException,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { DriverException } from '@mikro-orm/core';
import type { Response } from 'express';

import { RequestValidationError } from './api-errors';

/**
 * Every error leaves the API in one shape: `{ statusCode, message }`, plus `errors` (field messages)
 * for validation failures and the related records for conflicts. Unexpected errors become a bare 500:
 * their text can hold SQL with bound values (ciphertext) or driver details, so it goes to the log only.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toResponse(exception);
    if (response.headersSent) return;
    response.status(status).json(body);
  }

  private toResponse(exception: unknown): { status: number; body: Record<string, unknown> } {
    if (exception instanceof BadRequestException && !(exception instanceof RequestValidationError)) {
      // Nest's own 400s: malformed JSON (body-parser's SyntaxError) or a malformed URL. Their text
      // quotes the input (`Unexpected token 's', "{"password": s3cret}" ...`), which may be a secret.
      const status = HttpStatus.BAD_REQUEST;
      const text = exception.message;
      return {
        status,
        body: {
          statusCode: status,
          message: /JSON/.test(text) ? 'Request body is not valid JSON' : 'Bad request',
        },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      if (typeof payload === 'string') return { status, body: { statusCode: status, message: payload } };
      const { message, error, ...details } = payload as Record<string, unknown>;
      delete details['statusCode'];
      return {
        status,
        body: {
          statusCode: status,
          message: messageText(message) ?? messageText(error) ?? exception.message,
          ...details,
        },
      };
    }
    const parserError = bodyParserError(exception);
    if (parserError) return parserError;

    if (exception instanceof DriverException) {
      // The message quotes the statement and its parameters; name and SQL state are enough to act on.
      this.logger.error(
        { err: { name: exception.name, code: exception.code, sqlState: exception.sqlState } },
        'database error',
      );
    } else {
      this.logger.error({ err: exception }, 'unhandled error');
    }
    const status = HttpStatus.INTERNAL_SERVER_ERROR;
    return { status, body: { statusCode: status, message: 'Internal server error' } };
  }
}

function messageText(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return undefined;
}

/** Errors of Express' body parser (malformed JSON, too large), which reach Nest as plain errors. */
function bodyParserError(exception: unknown): { status: number; body: Record<string, unknown> } | undefined {
  if (exception === null || typeof exception !== 'object') return undefined;
  const { type, status } = exception as { type?: unknown; status?: unknown };
  if (typeof type !== 'string' || typeof status !== 'number') return undefined;
  const messages: Record<string, string> = {
    'entity.parse.failed': 'Request body is not valid JSON',
    'entity.too.large': 'Request body is too large',
    'encoding.unsupported': 'Request body encoding is not supported',
    'charset.unsupported': 'Request body charset is not supported',
  };
  return { status, body: { statusCode: status, message: messages[type] ?? 'Request body cannot be read' } };
}
