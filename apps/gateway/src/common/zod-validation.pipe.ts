import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

import { type FieldError, RequestValidationError } from './api-errors';

export const BODY_FIELD = '(body)';

/** Validates a body or query object with a zod schema; returns the parsed (typed, trimmed) value. */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    throw new RequestValidationError(fieldErrorsFromIssues(result.error.issues, value));
  }
}

/**
 * One message per field, in words a client can show next to the field. Messages never echo the
 * value: it may be a password.
 */
export function fieldErrorsFromIssues(issues: readonly z.core.$ZodIssue[], input: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: string, message: string) => {
    if (!errors.some((error) => error.field === field)) errors.push({ field, message });
  };
  for (const issue of issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(path ? `${path}.${key}` : key, 'Unknown field');
      continue;
    }
    if (path === '' && issue.code === 'invalid_type') {
      add(BODY_FIELD, 'Must be a JSON object');
      continue;
    }
    add(path || BODY_FIELD, messageFor(issue, valueAt(input, issue.path)));
  }
  return errors;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  date: 'a date',
};

function messageFor(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return 'Required';
      if (value === null) return 'Must not be null';
      return `Must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value': {
      const options = issue.values.map((option) => JSON.stringify(option)).join(', ');
      // An enum field left out is missing, not wrong: say so, and still list the choices.
      return value === undefined ? `Required, one of: ${options}` : `Must be one of: ${options}`;
    }
    case 'too_small': {
      const minimum = Number(issue.minimum);
      if (issue.origin === 'string')
        return minimum <= 1 ? 'Must not be empty' : `Must be at least ${minimum} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Must have at least ${minimum} item(s)`;
      return issue.inclusive === false ? `Must be greater than ${minimum}` : `Must be at least ${minimum}`;
    }
    case 'too_big': {
      const maximum = Number(issue.maximum);
      if (issue.origin === 'string') return `Must be at most ${maximum} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Must have at most ${maximum} item(s)`;
      return issue.inclusive === false ? `Must be less than ${maximum}` : `Must be at most ${maximum}`;
    }
    case 'not_multiple_of':
      return `Must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'Has an invalid value';
    default:
      // invalid_format and custom: the schemas give their own messages.
      return issue.message;
  }
}
