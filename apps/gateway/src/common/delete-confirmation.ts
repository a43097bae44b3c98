import { RequestValidationError } from './api-errors';

/**
 * Deleting needs `?confirm=true` (docs/decisions/0001-delete-confirmation.md): the API makes the
 * UI's "are you sure?" explicit, so a script or a stray DELETE cannot remove a record by accident.
 */
export function assertDeleteConfirmed(confirm: unknown, what: string): void {
  if (confirm === 'true') return;
  throw new RequestValidationError(
    [{ field: 'confirm', message: 'Must be true to delete' }],
    `Deleting ${what} needs confirmation: repeat the request with ?confirm=true`,
  );
}

export const confirmQueryDoc = {
  name: 'confirm',
  required: true,
  description: 'Must be `true`: deleting cannot be undone (400 without it).',
  schema: { type: 'boolean' as const, enum: [true] },
};
