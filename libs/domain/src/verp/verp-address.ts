import { normalizeAddress } from '../email-address';

/**
 * VERP (variable envelope return path): every outbound email leaves with its own envelope sender,
 * `bounces+<emailQueueId>@<bounce domain>`. Bounces go to the envelope sender, so the address a
 * bounce arrives at names the exact email_queue row it answers, even when the bounce quotes nothing
 * of the original message (docs/decisions/0047).
 */
const VERP_LOCAL_PREFIX = 'bounces+';
/** PostgreSQL int4: ids above it cannot be rows, and a query with one would fail. */
const MAX_ROW_ID = 2_147_483_647;
/** No leading zeros: `bounces+007@` is not what we send, so it is not ours. */
const VERP_LOCAL_PART = /^bounces\+([1-9]\d{0,9})$/u;

export interface VerpAddress {
  emailQueueId: number;
  /** Lower-case domain the address was sent to. */
  domain: string;
}

/** The envelope sender for email row `emailQueueId`, on `domain` (the Bounce Back type's domain). */
export function formatVerpAddress(emailQueueId: number, domain: string): string {
  if (!Number.isSafeInteger(emailQueueId) || emailQueueId < 1 || emailQueueId > MAX_ROW_ID) {
    throw new RangeError(`VERP: email queue id must be a positive int4, got ${emailQueueId}`);
  }
  const cleanDomain = domain.trim().toLowerCase();
  if (!/^[a-z0-9.-]+$/u.test(cleanDomain) || !cleanDomain.includes('.') || cleanDomain.startsWith('.')) {
    throw new RangeError(`VERP: not a usable domain: ${JSON.stringify(domain)}`);
  }
  return `${VERP_LOCAL_PREFIX}${emailQueueId}@${cleanDomain}`;
}

/**
 * Reads a VERP address back (any form `normalizeAddress` accepts: bare, angle or with a display
 * name). Null for anything that is not exactly `bounces+<id>@domain` with a plausible row id.
 */
export function parseVerpAddress(address: string | null | undefined): VerpAddress | null {
  const normalized = normalizeAddress(address);
  if (normalized === null) return null;
  const at = normalized.lastIndexOf('@');
  const match = VERP_LOCAL_PART.exec(normalized.slice(0, at));
  if (match === null) return null;
  const emailQueueId = Number(match[1]);
  if (emailQueueId > MAX_ROW_ID) return null;
  return { emailQueueId, domain: normalized.slice(at + 1) };
}

/**
 * The first VERP address among `addresses` (To, Delivered-To, X-Original-To, ... in the caller's
 * order of trust). With `domain`, only addresses on that domain count: a bounce address of another
 * system that happens to use the same scheme is not ours.
 */
export function findVerpAddress(addresses: readonly string[], domain?: string | null): VerpAddress | null {
  const wanted = domain ? domain.trim().toLowerCase() : null;
  for (const address of addresses) {
    const verp = parseVerpAddress(address);
    if (verp !== null && (wanted === null || verp.domain === wanted)) return verp;
  }
  return null;
}

/** Domain part of an address (`bounces@Example.org` -> `example.org`); null when not an address. */
export function addressDomain(address: string | null | undefined): string | null {
  const normalized = normalizeAddress(address);
  return normalized === null ? null : normalized.slice(normalized.lastIndexOf('@') + 1);
}
