import type { BounceReason } from './bounce-verdict';
import { fallbackReason } from './reason-fallback';
import { textSays } from './reason-tables';
import { reasonOfStatus } from './status-code';

/** What a decoder knows about one failed recipient when the reason is decided. */
export interface ReasonEvidence {
  status: string | null;
  replyCode: string | null;
  /** The remote server's words (Diagnostic-Code or quoted answer). */
  diagnostic: string | null;
  /** `SMTP`, `X-UNIX`, ... from `Diagnostic-Code: <type>; ...`; empty when unknown. */
  diagnosticType?: string | null;
  /** DSN Action (failed, delayed, delivered, expired ...). */
  action?: string | null;
  /** The SMTP command the answer came after (RCPT, DATA, MAIL, HELO, EHLO, CONN ...). */
  command?: string | null;
  /** A reason the decoder of a known format already decided. */
  presetReason?: BounceReason | null;
}

/** Reasons that a keyword match on the text may still override (they are vague by nature). */
const RETRY: ReadonlySet<string> = new Set([
  'undefined',
  'onhold',
  'systemerror',
  'securityerror',
  'expired',
  'networkerror',
  'hostunknown',
  'userunknown',
]);
const BEFORE_DATA: ReadonlySet<string> = new Set([
  'CONN',
  'EHLO',
  'HELO',
  'STARTTLS',
  'AUTH',
  'MAIL',
  'RCPT',
]);

type Probe = (e: ProbeInput) => boolean;
interface ProbeInput {
  text: string;
  statusReason: BounceReason | null;
  status: string | null;
  replyCode: string | null;
  command: string | null;
}

// First pass: the status code and the text together (each reason's own rule), in this order.
const FIRST_PASS: ReadonlyArray<[BounceReason, Probe]> = [
  ['mailboxfull', (e) => e.statusReason === 'mailboxfull' || textSays('mailboxfull', e.text)],
  [
    'mesgtoobig',
    (e) =>
      e.statusReason === 'mesgtoobig' ||
      (e.statusReason !== 'exceedlimit' && e.status !== '5.2.3' && textSays('mesgtoobig', e.text)),
  ],
  ['exceedlimit', (e) => e.statusReason === 'exceedlimit' || textSays('exceedlimit', e.text)],
  ['suspend', (e) => e.replyCode === '525' || textSays('suspend', e.text)],
  ['hasmoved', (e) => textSays('hasmoved', e.text)],
  [
    'norelaying',
    (e) => !['CONN', 'EHLO', 'HELO'].includes(e.command ?? '') && textSays('norelaying', e.text),
  ],
  ['authfailure', (e) => e.statusReason === 'authfailure' || textSays('authfailure', e.text)],
  [
    'userunknown',
    (e) =>
      e.statusReason === 'userunknown'
        ? !(['norelaying', 'blocked', 'mailboxfull', 'hasmoved', 'rejected', 'notaccept'] as const).some(
            (r) => textSays(r, e.text),
          )
        : e.command === 'RCPT' && textSays('userunknown', e.text),
  ],
  [
    'filtered',
    (e) =>
      e.statusReason === 'filtered'
        ? textSays('userunknown', e.text) || textSays('filtered', e.text)
        : !BEFORE_DATA.has(e.command ?? '') &&
          (textSays('filtered', e.text) || textSays('userunknown', e.text)),
  ],
  ['requireptr', (e) => e.statusReason === 'requireptr' || textSays('requireptr', e.text)],
  ['notcompliantrfc', (e) => textSays('notcompliantrfc', e.text)],
  ['badreputation', (e) => textSays('badreputation', e.text)],
  [
    'contenterror',
    (e) => !spamDetected(e) && (e.statusReason === 'contenterror' || textSays('contenterror', e.text)),
  ],
  ['rejected', (e) => rejected(e)],
  [
    'hostunknown',
    (e) =>
      e.statusReason === 'hostunknown' ? !textSays('networkerror', e.text) : textSays('hostunknown', e.text),
  ],
  ['spamdetected', (e) => spamDetected(e)],
  ['speeding', (e) => textSays('speeding', e.text)],
  ['toomanyconn', (e) => e.statusReason === 'toomanyconn' || textSays('toomanyconn', e.text)],
  ['blocked', (e) => e.statusReason === 'blocked' || textSays('blocked', e.text)],
];

// Second pass: text only, when the status code said nothing definite.
const SECOND_PASS: readonly BounceReason[] = [
  'mailboxfull',
  'authfailure',
  'badreputation',
  'speeding',
  'spamdetected',
  'virusdetected',
  'policyviolation',
  'norelaying',
  'systemerror',
  'networkerror',
  'suspend',
  'contenterror',
  'systemfull',
  'notaccept',
  'expired',
  'failedstarttls',
  'securityerror',
  'suppressed',
  'mailererror',
];

function spamDetected(e: ProbeInput): boolean {
  if (!e.status) return false;
  if (e.statusReason === 'spamdetected') return true;
  if (BEFORE_DATA.has(e.command ?? '')) return false;
  return textSays('spamdetected', e.text);
}

function rejected(e: ProbeInput): boolean {
  if (e.statusReason === 'rejected') return true;
  const temp = e.statusReason ?? 'undefined';
  if (e.command === 'MAIL') return textSays('rejected', e.text);
  if (e.command === 'DATA' && temp !== 'userunknown') return textSays('rejected', e.text);
  if (temp === 'undefined' || temp === 'onhold' || temp === 'securityerror' || temp === 'systemerror') {
    return textSays('rejected', e.text);
  }
  return false;
}

/**
 * The reason for one failed recipient: a decoder's explicit verdict first, then the status code
 * with the text (first pass), then the text alone, then the code's class, the DSN action and the
 * command. Mirrors the order Sisimai uses, which its corpus was labelled with.
 */
export function classifyReason(evidence: ReasonEvidence): BounceReason {
  const preset = evidence.presetReason ?? null;
  if (preset && !RETRY.has(preset)) return preset;
  const status = evidence.status ?? null;
  if (status?.startsWith('2.')) return 'delivered';

  const text = (evidence.diagnostic ?? '').toLowerCase();
  const type = (evidence.diagnosticType ?? '').toUpperCase();
  const input: ProbeInput = {
    text,
    statusReason: reasonOfStatus(status),
    status,
    replyCode: evidence.replyCode ?? null,
    command: evidence.command ?? null,
  };
  if (type === 'SMTP' || type === '') {
    for (const [reason, probe] of FIRST_PASS) if (preset === reason || probe(input)) return reason;
  }
  const other = secondPass(input, type, evidence.action ?? '', preset);
  if (other && other !== 'undefined') return other;
  if (evidence.action === 'delayed') return 'expired';
  if (textSays('vacation', text)) return 'vacation';
  // Sisimai's order found nothing: everyday wording it does not list, before giving up.
  const everyday = fallbackReason(text, status, evidence.command ?? null);
  if (everyday) return everyday;
  return text ? 'onhold' : 'undefined';
}

function secondPass(
  e: ProbeInput,
  type: string,
  action: string,
  preset: BounceReason | null,
): BounceReason | null {
  if (preset && preset !== 'undefined' && preset !== 'onhold') return preset;
  const fromStatus = e.statusReason;
  if (fromStatus && !RETRY.has(fromStatus) && type === 'SMTP') return fromStatus;
  for (const reason of SECOND_PASS) if (textSays(reason, e.text)) return reason;
  if (fromStatus) return fromStatus;
  const klass = e.status?.slice(0, 3) ?? '';
  if (klass === '5.6' || klass === '4.6') return 'contenterror';
  if (klass === '5.7' || klass === '4.7') return 'securityerror';
  if (type.startsWith('X-UNIX')) return 'mailererror';
  const reply = Number(e.replyCode ?? '');
  if ((reply > 400 && reply < 408) || (reply > 500 && reply < 508)) return 'syntaxerror';
  if (action === 'delayed' || action === 'expired') return 'expired';
  if (e.command === 'EHLO' || e.command === 'HELO') return 'blocked';
  return null;
}

/** The SMTP command a remote answer followed, from the usual wording of Postfix, Exim, Sendmail. */
export function findCommand(text: string | null | undefined): string | null {
  if (!text) return null;
  const lower = text.toLowerCase();
  if (/in reply to end of data|after end of data|after data|>>> data|in reply to data/.test(lower))
    return 'DATA';
  if (/rcpt to|>>> rcpt|after rcpt/.test(lower)) return 'RCPT';
  if (/mail from|>>> mail|after mail/.test(lower)) return 'MAIL';
  if (/starttls/.test(lower)) return 'STARTTLS';
  if (/\behlo\b/.test(lower)) return 'EHLO';
  if (/\bhelo\b/.test(lower)) return 'HELO';
  if (/initial connection|greeting|in reply to conn/.test(lower)) return 'CONN';
  return null;
}
