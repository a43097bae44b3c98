import { type DecodedRecipient, emptyRecipient, oneLine } from '../decoded-recipient';
import { finishRecipient } from '../rfc3464';
import type { BounceReason } from '../bounce-verdict';
import type { BounceMessage } from '../decoded-recipient';
import { headerValue } from '../mime-walker';

/** A recipient with its diagnostic, codes and command read from the text. */
export function textRecipient(
  address: string,
  diagnostic: string | null,
  preset?: BounceReason | null,
): DecodedRecipient {
  const r = emptyRecipient(address.toLowerCase());
  r.diagnostic = oneLine(diagnostic);
  r.presetReason = preset ?? null;
  finishRecipient(r);
  return r;
}

/** The first phrase table entry found in the text. */
export function reasonFromTable(
  text: string | null,
  table: ReadonlyArray<[BounceReason, readonly string[]]>,
): BounceReason | null {
  const lower = (text ?? '').toLowerCase();
  for (const [reason, phrases] of table) if (phrases.some((p) => lower.includes(p))) return reason;
  return null;
}

/** Lines after the first line matching `start`, up to a blank line (or `stop`). */
export function linesAfter(text: string, start: RegExp, stop: RegExp = /^\s*$/): string[] | null {
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => start.test(l));
  if (at < 0) return null;
  const out: string[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    if (stop.test(lines[i]!) && out.length > 0) break;
    if (lines[i]!.trim() !== '') out.push(lines[i]!.trim());
  }
  return out;
}

/** A header's value, or '' when absent. */
export const head = (message: BounceMessage, name: string): string =>
  headerValue(message.headers, name) ?? '';

/** The part a person reads, up to where the returned message begins. */
export function upTo(text: string, end: RegExp): string {
  const at = text.search(end);
  return at > 0 ? text.slice(0, at) : text;
}
