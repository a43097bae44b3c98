import { findCommand } from './reason-classifier';

/**
 * The SMTP command a recipient was refused after, read from the human-readable part: Postfix's
 * `(in reply to RCPT TO command)` under the address, or a Sendmail/transcript `>>> RCPT TO:<...>` /
 * `<<< 550 ...` pair. The DSN fields seldom carry it, yet it separates "unknown user at RCPT"
 * (userunknown) from "refused after DATA" (filtered).
 */
export function commandFor(text: string, recipient: string): string | null {
  const lines = text.split(/\r?\n/);
  const needle = recipient.toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.toLowerCase();
    if (!line.includes(needle)) continue;
    if (line.trimStart().startsWith('<<<') || line.trimStart().startsWith('>>>')) {
      for (let j = i; j >= Math.max(0, i - 6); j--) {
        const m = /^\s*>>>\s*([A-Za-z]+(?: [A-Za-z]+)?)/.exec(lines[j]!);
        if (m) return normalise(m[1]!);
      }
      continue;
    }
    const paragraph: string[] = [];
    for (let j = i; j < lines.length && j < i + 12; j++) {
      if (j > i && lines[j]!.trim() === '') break;
      paragraph.push(lines[j]!);
    }
    const found = findCommand(paragraph.join(' '));
    if (found) return found;
  }
  return null;
}

function normalise(word: string): string {
  const upper = word.toUpperCase();
  if (upper.startsWith('RCPT')) return 'RCPT';
  if (upper.startsWith('MAIL')) return 'MAIL';
  if (upper.startsWith('DATA')) return 'DATA';
  return upper.split(' ')[0]!;
}

/** The human-readable paragraph about one recipient (the lines after its address, to a blank line). */
export function paragraphFor(text: string, recipient: string): string | null {
  const lines = text.split(/\r?\n/);
  const needle = recipient.toLowerCase();
  const at = lines.findIndex((l) => l.toLowerCase().includes(needle));
  if (at < 0) return null;
  const out: string[] = [];
  const rest = lines[at]!.slice(lines[at]!.toLowerCase().indexOf(needle) + needle.length).replace(
    /^[>:.\s]+/,
    '',
  );
  if (rest) out.push(rest);
  for (let i = at + 1; i < lines.length && i < at + 12; i++) {
    if (lines[i]!.trim() === '') break;
    out.push(lines[i]!.trim());
  }
  return out.length > 0 ? out.join(' ') : null;
}
