import type { BounceReason } from './bounce-verdict';
import { type Phrase, phraseMatches } from './reason-tables';

/**
 * Everyday server wording that Sisimai's per-reason tables (reason-tables.ts) do not list. Used only
 * when the Sisimai-order classification found nothing (it would say `onhold` / `undefined`), so it
 * never overrides an answer Sisimai gives; it turns "we cannot tell" into the obvious reason for
 * answers such as `550 Mailbox unavailable` or `452 Insufficient system storage`.
 * Checked in this order: the narrower reasons first (system storage before mailbox quota, relay and
 * policy before the generic "blocked", ...).
 */
export const FALLBACK_PHRASES: ReadonlyArray<[BounceReason, readonly Phrase[]]> = [
  ['virusdetected', ['virus', 'malware', 'infected', 'malicious attachment']],
  ['systemfull', ['insufficient system storage', 'insufficient storage', 'system storage exceeded']],
  [
    'mailboxfull',
    [
      'inbox is full',
      'mailbox is full',
      'exceeds quota',
      'exceeded quota',
      'exceeded their quota',
      'out of storage',
      'storage quota',
      'storage limit',
      'mailbox has exceeded',
      ['quota', 'reached'],
    ],
  ],
  [
    'mesgtoobig',
    ['message is too big', 'message is too large', 'message size exceeds', 'size exceeds', 'too large'],
  ],
  [
    'suspend',
    [
      'account disabled',
      'account has been disabled',
      'account is disabled',
      'account suspended',
      'account is suspended',
      'account inactive',
      'account is inactive',
      'account is locked',
      'account has expired',
      'mailbox is disabled',
      'no longer active',
    ],
  ],
  [
    'userunknown',
    [
      'mailbox unavailable',
      'no mailbox here by that name',
      'recipient rejected',
      'unknown address',
      'account does not exist',
      "doesn't exist",
      'does not exist',
      'unknown or illegal alias',
      'not a valid address',
      'invalid email address',
      'addressee unknown',
      'user is unknown',
      'no such account',
      'not our customer',
      // Added to Sisimai's user-unknown list after the version the corpus was labelled with.
      'this spectator does not exist',
      'no existe ese usuario',
      'weil die adresse nicht gefunden wurde oder keine e-mails empfangen kann',
      ['rcpt (', 't exist '],
      ['said: 550', '5.1.1 ', ' user unknown '],
    ],
  ],
  [
    'hostunknown',
    [
      'domain not found',
      'domain name not found',
      'unknown domain',
      "domain doesn't exist",
      'nxdomain',
      'no mx record',
      'name service error',
    ],
  ],
  [
    'norelaying',
    [
      'relaying not allowed',
      'relay not allowed',
      'not permitted to relay',
      'relay prohibited',
      'relay denied',
    ],
  ],
  [
    'policyviolation',
    [
      'policy violation',
      'violates our policy',
      'violation of our policy',
      'prohibited attachment',
      'attachment not allowed',
      'not permitted by policy',
    ],
  ],
  ['badreputation', ['poor reputation', 'low reputation', 'bad reputation', 'sender reputation']],
  [
    'blocked',
    [
      'is listed in',
      'listed on',
      'blacklisted',
      'blocklisted',
      'block list',
      'blocklist',
      'spamhaus',
      'barracuda',
      'spamcop',
      'sorbs',
      'dnsbl',
      ' rbl',
      'ip address has been blocked',
      'your ip',
      'blocked by',
    ],
  ],
  ['spamdetected', ['spam', 'unsolicited', 'junk mail', 'bulk mail']],
  [
    'speeding',
    ['rate limit', 'rate-limit', 'ratelimit', 'too many messages', 'sending rate', 'throttl', 'slow down'],
  ],
  ['toomanyconn', ['connection limit', 'too many sessions', 'too many simultaneous']],
  ['securityerror', ['must authenticate', 'authentication is required']],
  ['failedstarttls', ['tls required', 'encryption required', 'starttls']],
  ['notaccept', ['does not accept mail', 'null mx', 'not accepting mail', 'does not receive mail']],
  [
    'rejected',
    ['sender address rejected', 'sender denied', 'sender blocked', 'sender not allowed', 'sender refused'],
  ],
  [
    'expired',
    [
      'timed out',
      'timeout',
      'retry period',
      'could not be delivered within',
      'delivery time exceeded',
      'queue expired',
      'too long in queue',
      'message expired',
    ],
  ],
  [
    'networkerror',
    [
      'connection refused',
      'network is unreachable',
      'dns lookup failed',
      'dns failure',
      'name server timeout',
      'mail loop',
      'routing loop',
    ],
  ],
  ['syntaxerror', ['syntax error', 'bad syntax', 'command unrecognized', 'command not recognized']],
  ['systemerror', ['internal error', 'temporary failure', 'server error', 'local error', 'system error']],
];

/**
 * Codes Sisimai's status table leaves out (so it answers `onhold`), whose meaning is not in doubt
 * in practice: 5.4.7 is the permanent form of "delivery time expired".
 */
const FALLBACK_STATUSES: Readonly<Record<string, BounceReason>> = {
  '5.4.7': 'expired',
};

/**
 * The everyday reason for a lower-cased answer, or for its status code; null when nothing fits.
 * As in Sisimai, "no such user" wording is `userunknown` (a hard bounce) only when the server said
 * it in reply to RCPT TO; otherwise it may be a filter speaking after DATA, so it is `filtered`.
 */
export function fallbackReason(
  lowerText: string,
  status: string | null,
  command: string | null = null,
): BounceReason | null {
  if (lowerText) {
    for (const [reason, phrases] of FALLBACK_PHRASES) {
      if (!phrases.some((p) => phraseMatches(lowerText, p))) continue;
      return reason === 'userunknown' && command !== 'RCPT' ? 'filtered' : reason;
    }
  }
  return status ? (FALLBACK_STATUSES[status] ?? null) : null;
}
