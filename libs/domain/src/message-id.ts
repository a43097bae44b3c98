/**
 * A Message-ID without its angle brackets: trimmed, one leading `<` and one trailing `>` removed,
 * trimmed again. null when nothing is left or what is left still holds white space or a bracket.
 */
export function bareMessageId(value: string | null | undefined): string | null {
  const bare = value?.trim().replace(/^<|>$/gu, '').trim() ?? '';
  return bare === '' || /[\s<>]/u.test(bare) ? null : bare;
}

/** Parsers give Message-IDs with or without angle brackets; email_queue stores `<id@domain>`. */
export function angleMessageId(value: string | null | undefined): string | null {
  const bare = bareMessageId(value);
  return bare === null ? null : `<${bare}>`;
}
