import type { BounceReason } from './bounce-verdict';
import type { HeaderField, MimePart } from './mime-walker';

/** One failed recipient as a decoder found it, before the reason is decided. */
export interface DecodedRecipient {
  recipient: string;
  status: string | null;
  replyCode: string | null;
  diagnostic: string | null;
  diagnosticType: string | null;
  action: string | null;
  command: string | null;
  /** Set by a decoder that knows its format's wording better than the generic tables. */
  presetReason: BounceReason | null;
  remoteMta: string | null;
  feedbackType?: string | null;
}

export interface DecodeResult {
  recipients: DecodedRecipient[];
  reportingMta: string | null;
  decodedBy: string;
}

/** The message, read once, that every decoder looks at. */
export interface BounceMessage {
  headers: HeaderField[];
  parts: MimePart[];
  /** Lower-cased From address of the bounce itself. */
  from: string;
  subject: string;
  /** All text/* parts, decoded, joined: what a person would read. */
  text: string;
}

export function emptyRecipient(recipient: string): DecodedRecipient {
  return {
    recipient,
    status: null,
    replyCode: null,
    diagnostic: null,
    diagnosticType: null,
    action: null,
    command: null,
    presetReason: null,
    remoteMta: null,
  };
}

const ADDRESS =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/;

/** The first addr-spec in a value (`rfc822; <a@b>`, `"Name" <a@b>`), lower-cased; null when none. */
export function findAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  const angled = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  const match = ADDRESS.exec(angled ? angled[1]! : value);
  return match ? match[0].replace(/^[.'`]+|[.'`]+$/g, '').toLowerCase() : null;
}

export function findAllAddresses(value: string): string[] {
  return [...value.matchAll(new RegExp(ADDRESS.source, 'g'))].map((m) => m[0].toLowerCase());
}

/** Collapses white space so a multi-line diagnostic reads as one line. */
export function oneLine(text: string | null | undefined): string | null {
  if (!text) return null;
  const line = text.replace(/\s+/g, ' ').trim();
  return line === '' ? null : line;
}
