// Column widths of the schema (varchar lengths); longer values from hostile or broken mail are cut
// instead of failing the whole message.
export const WIDTH = {
  address: 320,
  name: 300,
  messageId: 998,
  filename: 500,
  contentType: 255,
  contentId: 998,
};

/** Largest id a PostgreSQL int column holds: bigger ids from a subject tag would abort the transaction. */
export const MAX_INT4 = 2_147_483_647;

/** PostgreSQL text cannot hold NUL characters; broken mail has them. */
export function dbText(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}

export function clip(value: string, length: number): string {
  return value.length > length ? value.slice(0, length) : value;
}

export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
