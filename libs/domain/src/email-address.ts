import { domainToASCII } from 'node:url';

/**
 * Normalizes one address to the form the engine compares and stores: `local@domain`, both parts
 * lowercased, the domain in ASCII (IDN -> punycode), no display name, no comments, no angle brackets.
 *
 * Accepts a bare addr-spec (`Support@Example.COM`), an angle address (`<support@example.com>`) or a
 * full mailbox (`"Support Desk" <Support@Example.COM>`). Returns null for anything that is not exactly
 * one usable address (empty, no `@`, a list of several addresses, an unusable domain).
 *
 * The local part is lowercased although RFC 5321 calls it case-sensitive: helpdesk addresses are
 * matched case-insensitively by every mail system the engine talks to, and a customer writing
 * `Support@` must reach the same ticket type as `support@`.
 */
export function normalizeAddress(addr: string | null | undefined): string | null {
  if (typeof addr !== 'string') return null;
  const specs = splitAddressList(addr);
  if (specs.length !== 1) return null;
  return normalizeAddrSpec(specs[0]);
}

/**
 * Reads a raw address-list header value (To, Cc, Delivered-To, ...) into normalized addresses, in
 * header order. Handles display names with commas inside quotes, comments, groups
 * (`undisclosed-recipients:;`, `Team: a@x, b@y;`), empty list elements and RFC 5322 obsolete
 * white space. Elements without a usable address are left out.
 */
export function extractAddresses(headerValue: string | null | undefined): string[] {
  if (typeof headerValue !== 'string') return [];
  const addresses: string[] = [];
  for (const spec of splitAddressList(headerValue)) {
    const normalized = normalizeAddrSpec(spec);
    if (normalized !== null) addresses.push(normalized);
  }
  return addresses;
}

/** True when both values normalize to the same address; never true when either is unusable. */
export function addressesMatch(a: string | null | undefined, b: string | null | undefined): boolean {
  const left = normalizeAddress(a);
  return left !== null && left === normalizeAddress(b);
}

/**
 * Splits an address list into raw addr-specs (not yet normalized), dropping display names, comments
 * and group names. An angle address wins over the words around it; without one the element's words
 * are the addr-spec.
 */
function splitAddressList(value: string): string[] {
  const specs: string[] = [];
  let words = '';
  let angle: string | null = null;
  let inAngle = false;

  const endElement = (): void => {
    const spec = angle !== null ? angleSpec(angle) : bareSpec(words);
    if (spec !== '') specs.push(spec);
    words = '';
    angle = null;
  };

  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '"') {
      const end = quotedStringEnd(value, i);
      const quoted = value.slice(i, end);
      if (inAngle) angle += quoted;
      else words += quoted;
      i = end - 1;
    } else if (char === '(') {
      // Comments are not part of an address (RFC 5322 CFWS); they may nest and hold escapes.
      i = commentEnd(value, i) - 1;
      if (inAngle) angle += ' ';
      else words += ' ';
    } else if (inAngle) {
      if (char === '>') inAngle = false;
      else angle += char;
    } else if (char === '<') {
      inAngle = true;
      angle = '';
    } else if (char === ',' || char === ';') {
      endElement();
    } else if (char === ':') {
      // Outside angle brackets a colon can only end a group's display name.
      words = '';
    } else {
      words += char;
    }
  }
  endElement();
  return specs;
}

/** Index just after the quoted string starting at `start` (or the end of input if unterminated). */
function quotedStringEnd(value: string, start: number): number {
  for (let i = start + 1; i < value.length; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === '"') return i + 1;
  }
  return value.length;
}

/** Index just after the (possibly nested) comment starting at `start`. */
function commentEnd(value: string, start: number): number {
  let depth = 0;
  for (let i = start; i < value.length; i++) {
    const char = value[i];
    if (char === '\\') i++;
    else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return i + 1;
  }
  return value.length;
}

function angleSpec(angle: string): string {
  // Obsolete source routes (`<@relay.example:user@example.com>`) carry nothing we need.
  const routeEnd = lastIndexOutsideQuotes(angle, ':');
  const spec = routeEnd === -1 ? angle : angle.slice(routeEnd + 1);
  return removeWhitespaceOutsideQuotes(spec);
}

/**
 * An element without angle brackets: usually the addr-spec alone, but obsolete syntax puts white
 * space around `@` and `.` (`jdoe @ machine . example`), and broken senders write `Name user@host`.
 */
function bareSpec(words: string): string {
  const tokens = splitOutsideQuotes(words.trim());
  const joined: string[] = [];
  for (const token of tokens) {
    const previous = joined[joined.length - 1];
    if (previous !== undefined && (/[@.]$/.test(previous) || /^[@.]/.test(token))) {
      joined[joined.length - 1] = previous + token;
    } else {
      joined.push(token);
    }
  }
  const withAt = joined.filter((token) => token.includes('@'));
  return withAt.length > 0 ? withAt[withAt.length - 1] : joined.join('');
}

function splitOutsideQuotes(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const end = quotedStringEnd(text, i);
      current += text.slice(i, end);
      i = end - 1;
    } else if (/\s/.test(char)) {
      if (current !== '') tokens.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

function removeWhitespaceOutsideQuotes(text: string): string {
  return splitOutsideQuotes(text).join('');
}

function lastIndexOutsideQuotes(text: string, needle: string): number {
  let found = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') i = quotedStringEnd(text, i) - 1;
    else if (text[i] === needle) found = i;
  }
  return found;
}

const DOT_ATOM_CHARS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
// Characters that cannot stand unquoted in a local part; their presence means we misread the input.
const LOCAL_PART_FORBIDDEN = /[\s<>()[\]\\,;:@"]/;

function normalizeAddrSpec(spec: string): string | null {
  const at = lastIndexOutsideQuotes(spec, '@');
  if (at <= 0 || at === spec.length - 1) return null;
  const local = normalizeLocalPart(spec.slice(0, at));
  const domain = normalizeDomain(spec.slice(at + 1));
  if (local === null || domain === null) return null;
  return `${local}@${domain}`;
}

function normalizeLocalPart(local: string): string | null {
  if (local.startsWith('"') && local.endsWith('"') && local.length >= 2) {
    const inner = local.slice(1, -1);
    // `"john"@example.com` and `john@example.com` are the same mailbox; keep quotes only when needed.
    const needsQuotes = !DOT_ATOM_CHARS.test(inner) || inner.startsWith('.') || inner.endsWith('.');
    return (needsQuotes ? local : inner).toLowerCase();
  }
  if (LOCAL_PART_FORBIDDEN.test(local)) return null;
  return local.toLowerCase();
}

function normalizeDomain(domain: string): string | null {
  const withoutRootDot = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  if (/^\[[^[\]\s\\]+\]$/.test(withoutRootDot)) return withoutRootDot.toLowerCase();
  // domainToASCII lowercases, maps IDN labels to punycode and returns '' for forbidden characters.
  const ascii = domainToASCII(withoutRootDot);
  if (ascii === '' || ascii.split('.').some((label) => label === '')) return null;
  return ascii;
}
