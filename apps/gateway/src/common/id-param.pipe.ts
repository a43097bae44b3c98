import { Injectable, type PipeTransform } from '@nestjs/common';

import { notFound, RequestValidationError } from './api-errors';

/** PostgreSQL `integer` ids: a larger number cannot name a row (and would fail as a query parameter). */
const MAX_ID = 2_147_483_647;

/** `:id` as a positive integer: 400 when it is not a number, 404 when it cannot exist. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  constructor(private readonly what: string) {}

  transform(value: string): number {
    if (!/^\d{1,20}$/.test(value)) {
      throw new RequestValidationError([{ field: 'id', message: 'Must be a positive integer' }]);
    }
    const id = Number(value);
    if (id < 1 || id > MAX_ID) throw notFound(this.what, value);
    return id;
  }
}

/** The OpenAPI description of an `:id` path parameter read by `ParseIdPipe`. */
export const idPathParam = { name: 'id', schema: { type: 'integer' as const, minimum: 1 } };
