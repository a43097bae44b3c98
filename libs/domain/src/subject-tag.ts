import { decodeEncodedWords } from './encoded-words';

/**
 * The subject tag that threads email into tickets: `[WorkflowTag #TicketId-TicketLogId]`, e.g.
 * `[Support #123-789] Printer broken` (type tag "Support", ticket 123, ticket log 789).
 */
export interface SubjectTag {
  workflowTag: string;
  ticketId: number;
  logId: number;
}

export interface FoundSubjectTag extends SubjectTag {
  /** 'mangled' when a mail client changed the spacing (or the tag word's white space). */
  form: 'canonical' | 'mangled';
}

const TAG_WORD = String.raw`[\p{L}\p{N}_-]+(?:\s+[\p{L}\p{N}_-]+)*`;
const WORKFLOW_TAG = new RegExp(String.raw`^[\p{L}\p{N}_-]+(?: [\p{L}\p{N}_-]+)*$`, 'u');
// Any spacing inside the brackets is accepted because clients insert and remove it
// (`[Support#123-789]`, `[ Support #123-789 ]`, `[Support # 123 - 789]`). The tag word may not hold
// brackets or `#`, so a foreign tag such as `[Cookbook - Feature #2]` never lends its opening
// bracket to ours, and a tag without the log id (`[Support #123]`) is not ours.
// Ids are capped at 15 digits so that every accepted id is a safe integer.
const TAG_PATTERN = new RegExp(String.raw`\[\s*(${TAG_WORD})\s*#\s*(\d{1,15})\s*-\s*(\d{1,15})\s*\]`, 'gu');

/**
 * Finds our tag in an (RFC 2047-decoded) subject. The tag is searched anywhere, not only at the
 * start: any stack of reply/forward prefixes in any language (`RE:`, `AW: AW:`, `回复：`, `Re[2]:`,
 * `Automatic reply:`) may precede it, and some clients move it to the end. The first valid tag wins.
 *
 * The result says only what the subject claims. The caller must check that the workflow tag is the
 * ticket type's (a foreign tracker could use the same shape) and that the log belongs to the ticket
 * before threading: `[Support #123-999]` is easily forged.
 */
export function findSubjectTag(subject: string | null | undefined): FoundSubjectTag | null {
  if (typeof subject !== 'string') return null;
  // Still-encoded words (`=?UTF-8?B?...?=`) may hide the tag; decoding changes nothing otherwise.
  const text = decodeEncodedWords(subject);
  for (const [tagText, word, ticketDigits, logDigits] of text.matchAll(TAG_PATTERN)) {
    const found = readTag(tagText, word, ticketDigits, logDigits);
    if (found !== null) return found;
  }
  return null;
}

/**
 * The subject of an outbound email: our tag in front, then the subject without any tag of ours
 * (in any form, any workflow tag), so replies to replies never stack tags. Everything else stays,
 * including reply prefixes (`Re: [Support #123-789] Printer` -> `[Support #123-790] Re: Printer`).
 * White space runs (folding leftovers, tabs, CR/LF) become one space so the result is one header
 * line. An empty or missing subject gives the tag alone, without a trailing space.
 *
 * Throws a RangeError for a tag that findSubjectTag could not read back (empty or bracketed workflow
 * tag, non-positive or unsafe ids): such an email would silently start a new ticket on reply.
 */
export function formatTaggedSubject(tag: SubjectTag, subject: string | null | undefined): string {
  const workflowTag = tag.workflowTag.trim().replace(/\s+/gu, ' ');
  if (!WORKFLOW_TAG.test(workflowTag)) {
    throw new RangeError(`Workflow tag ${JSON.stringify(tag.workflowTag)} cannot be used in a subject tag`);
  }
  if (!isTagId(tag.ticketId) || !isTagId(tag.logId)) {
    throw new RangeError(`Ticket id ${tag.ticketId} and log id ${tag.logId} must be positive integers`);
  }
  const prefix = `[${workflowTag} #${tag.ticketId}-${tag.logId}]`;
  const rest = typeof subject === 'string' ? withoutOurTags(subject) : '';
  return rest === '' ? prefix : `${prefix} ${rest}`;
}

function withoutOurTags(subject: string): string {
  return subject
    .replace(TAG_PATTERN, (text: string, word: string, ticketDigits: string, logDigits: string) =>
      readTag(text, word, ticketDigits, logDigits) === null ? text : ' ',
    )
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
}

function readTag(
  text: string,
  word: string,
  ticketDigits: string,
  logDigits: string,
): FoundSubjectTag | null {
  const ticketId = Number(ticketDigits);
  const logId = Number(logDigits);
  if (!isTagId(ticketId) || !isTagId(logId)) return null;
  const workflowTag = word.replace(/\s+/gu, ' ');
  // Comparing with the numbers (not the digits) also calls leading zeros a mangled form.
  const form = text === `[${workflowTag} #${ticketId}-${logId}]` ? 'canonical' : 'mangled';
  return { workflowTag, ticketId, logId, form };
}

function isTagId(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}
