import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { z } from 'zod';

import { apiSchema } from './openapi-registry';

export interface FieldError {
  /** Dotted path of the input field (`port`, `saveTable`); `(body)` for the body as a whole. */
  field: string;
  message: string;
}

/** 400 with one message per bad field: `{ statusCode: 400, message, errors: [{ field, message }] }`. */
export class RequestValidationError extends BadRequestException {
  constructor(
    readonly errors: FieldError[],
    message = 'Validation failed',
  ) {
    super({ statusCode: 400, message, errors });
  }
}

/** Collects field errors from several checks and throws them together. */
export class FieldErrors {
  private readonly errors: FieldError[] = [];

  add(field: string, message: string): void {
    // One message per field: the first problem found is the one to fix first.
    if (!this.errors.some((error) => error.field === field)) this.errors.push({ field, message });
  }

  has(field: string): boolean {
    return this.errors.some((error) => error.field === field);
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw new RequestValidationError(this.errors);
  }
}

export function notFound(what: string, id: number | string): NotFoundException {
  return new NotFoundException({ statusCode: 404, message: `${what} ${id} not found` });
}

/** 409 whose body also names the related records, so a UI can show them. */
export function conflict(message: string, details: Record<string, unknown>): ConflictException {
  return new ConflictException({ statusCode: 409, message, ...details });
}

export const errorResponseSchema = z.object({
  statusCode: z.int(),
  message: z.string(),
});

export const validationErrorResponseSchema = z.object({
  statusCode: z.literal(400),
  message: z.string().meta({ example: 'Validation failed' }),
  errors: z.array(z.object({ field: z.string(), message: z.string() })),
});

export const errorResponseRef = apiSchema('Error', errorResponseSchema, 'output');
export const validationErrorResponseRef = apiSchema(
  'ValidationError',
  validationErrorResponseSchema,
  'output',
);
