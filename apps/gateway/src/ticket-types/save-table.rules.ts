import type { FieldErrors } from '../common/api-errors';
import type { CatalogColumn } from './ticket-type.repository';

export interface SaveTableChoice {
  saveTable: string | null;
  saveFromColumn: string | null;
  saveSubjectColumn: string | null;
  saveBodyColumn: string | null;
}

const COLUMN_FIELDS = ['saveFromColumn', 'saveSubjectColumn', 'saveBodyColumn'] as const;
const TEXT_TYPES = new Set(['text', 'character varying', 'character']);

function isTextColumn(column: CatalogColumn): boolean {
  return (
    TEXT_TYPES.has(column.dataType) || (column.dataType === 'USER-DEFINED' && column.udtName === 'citext')
  );
}

/** Rules that need no database: the three columns come with a table, all chosen and distinct. */
export function checkSaveTableShape(choice: SaveTableChoice, errors: FieldErrors): void {
  if (choice.saveTable === null) {
    for (const field of COLUMN_FIELDS) {
      if (choice[field] !== null) errors.add(field, 'Needs saveTable (or send null to clear the column)');
    }
    return;
  }
  const seen = new Map<string, string>();
  for (const field of COLUMN_FIELDS) {
    const column = choice[field];
    if (column === null) {
      errors.add(field, 'Required when saveTable is set');
      continue;
    }
    const earlier = seen.get(column);
    if (earlier !== undefined) errors.add(field, `Must differ from ${earlier}`);
    else seen.set(column, field);
  }
}

/**
 * The table exists in the current schema and the engine can insert a row into it with only the
 * chosen columns: each is a text column that is not generated, and every other column may be left out.
 */
export function checkSaveTableCatalog(
  choice: SaveTableChoice,
  columns: CatalogColumn[] | null,
  engineTables: Set<string>,
  errors: FieldErrors,
): void {
  const table = choice.saveTable;
  if (table === null) return;
  if (engineTables.has(table)) {
    errors.add('saveTable', `"${table}" is one of the engine's own tables`);
    return;
  }
  if (columns === null) {
    errors.add('saveTable', `Table "${table}" does not exist in the current schema`);
    return;
  }
  const byName = new Map(columns.map((column) => [column.name, column]));
  for (const field of COLUMN_FIELDS) {
    const name = choice[field];
    if (name === null || errors.has(field)) continue;
    const column = byName.get(name);
    if (!column) errors.add(field, `Column "${name}" does not exist in table "${table}"`);
    else if (column.generated) errors.add(field, `Column "${name}" is generated and cannot be written`);
    else if (!isTextColumn(column))
      errors.add(field, `Column "${name}" is ${column.dataType}; a text column is needed`);
  }
  const chosen = new Set(COLUMN_FIELDS.map((field) => choice[field]));
  const unfillable = columns.filter(
    (column) => !chosen.has(column.name) && !column.nullable && !column.hasDefault && !column.generated,
  );
  if (unfillable.length > 0) {
    errors.add(
      'saveTable',
      `Table "${table}" has required columns the engine cannot fill: ${unfillable.map((column) => column.name).join(', ')}`,
    );
  }
}
