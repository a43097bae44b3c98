import type { BounceReason } from './bounce-verdict';
import type { DecodedRecipient } from './decoded-recipient';
import { googleReason } from './remote-host-google';
import {
  COX_PHRASES,
  coxCode,
  GODADDY_CODES,
  GODADDY_PHRASES,
  mimecastReason,
  spectrumReason,
} from './remote-host-isps';
import { microsoftReason } from './remote-host-microsoft';

/**
 * Providers whose answers mean something specific that generic keyword tables get wrong. A rule
 * applies when the remote MTA (or the reporting MTA, for the provider's own bounces) is theirs;
 * its table is checked on the lower-cased diagnostic, then on the status code. Modelled on
 * Sisimai's Rhost modules.
 */
interface RemoteHostRule {
  name: string;
  /** A table keyed by phrase and codes (Google's documented answers). */
  answers?: (
    text: string,
    replyCode: string | null,
    status: string | null,
    original: string,
  ) => BounceReason | null;
  host: RegExp;
  /** Also match on the recipient's domain (for providers whose bounces name no remote host). */
  byRecipientDomain?: boolean;
  phrases?: ReadonlyArray<[BounceReason, readonly string[]]>;
  statuses?: Readonly<Record<string, BounceReason>>;
  /** Provider error codes embedded in the text, e.g. La Poste's `LPN007_426`. */
  codes?: { pattern: RegExp; table: Readonly<Record<string, BounceReason>> };
}

const RULES: readonly RemoteHostRule[] = [
  {
    name: 'google',
    host: /(?:google|gmail|googlemail)\.com$|aspmx\.l\.google\.com/,
    answers: googleReason,
    phrases: [
      ['networkerror', ["dns type 'mx' lookup of", 'dns error: ']],
      ['notcompliantrfc', ['messages with multiple addresses in from:', 'rfc 5322 compliant']],
      ['speeding', ['receiving mail at a rate that']],
    ],
  },
  {
    name: 'microsoft',
    host: /(?:outlook|hotmail|office365|protection\.outlook|live|msn|exchangelabs|onmicrosoft)\.com$/,
    answers: microsoftReason,
    statuses: {
      '5.4.316': 'expired',
      '4.4.316': 'expired',
      '5.7.124': 'rejected',
      '5.7.129': 'rejected',
      '5.7.133': 'rejected',
      '5.7.134': 'rejected',
      '5.7.135': 'rejected',
      '5.7.136': 'rejected',
      '5.7.509': 'authfailure',
      '4.7.650': 'badreputation',
      '4.7.651': 'badreputation',
      '5.7.606': 'blocked',
      '5.7.708': 'blocked',
    },
  },
  {
    name: 'laposte',
    host: /(?:laposte\.net|orange\.fr|wanadoo\.fr)$/,
    codes: {
      pattern: /\b(?:lpn|ofr|opn)\d*_(\d{3})\b/i,
      table: {
        '102': 'blocked',
        '103': 'blocked',
        '104': 'toomanyconn',
        '105': 'blocked',
        '109': 'blocked',
        '401': 'authfailure',
        '402': 'securityerror',
        '403': 'rejected',
        '405': 'rejected',
        '415': 'rejected',
        '416': 'userunknown',
        '417': 'mailboxfull',
        '418': 'userunknown',
        '420': 'suspend',
        '421': 'rejected',
        '423': 'rejected',
        '424': 'rejected',
        '425': 'rejected',
        '426': 'suspend',
        '505': 'systemerror',
        '506': 'spamdetected',
        '510': 'blocked',
        '513': 'systemerror',
        '514': 'mesgtoobig',
        '515': 'systemerror',
      },
    },
  },
  {
    name: 'tencent',
    host: /(?:qq\.com|tencent\.com|exmail\.qq\.com)$/,
    phrases: [
      ['authfailure', ['dmarc check failed', 'spf check failed']],
      ['toomanyconn', ['connection frequency limited', 'ip frequency limited']],
      ['suspend', ['mailbox unavailable or access denied']],
    ],
  },
  {
    name: 'yahoo',
    host: /(?:yahoo|yahoodns|yahoo-inc|yahooinc|aol)\.(?:com|net|co\.jp)$/,
    phrases: [
      ['authfailure', ['yahoo requires all senders to authenticate with either spf or dkim']],
      [
        'blocked',
        [" because the ip is in spamhaus's list;", 'not accepted from ip addresses on spamhaus xbl'],
      ],
      ['norelaying', ['relaying denied for ']],
      ['notcompliantrfc', ['headers are not rfc compliant']],
      ['policyviolation', ['not accepted for policy reasons']],
      [
        'rejected',
        [
          'temporarily deferred due to unexpected volume or user complaints',
          'due to unresolvable rfc.5321 domain',
          ' will be permanently deferred',
        ],
      ],
      ['speeding', ['user is receiving mail too quickly']],
      ['suspend', [' is no longer valid.', 'this mailbox is disabled']],
      ['syntaxerror', ['syntax error in parameters or arguments']],
      ['toomanyconn', ['max message per connection reached']],
      ['userunknown', ["dd this user doesn't have a ", 'mailbox not found']],
      ['notaccept', ['type=mx: malformed or unexpected name server reply']],
    ],
  },
  {
    name: 'aol',
    host: /aol\.(?:com|jp)$/,
    phrases: [
      ['hostunknown', ['host or domain name not found']],
      ['notaccept', ['type=mx: malformed or unexpected name server reply']],
    ],
  },
  {
    name: 'apple',
    host: /(?:icloud|me|mac|apple)\.com$/,
    phrases: [
      ['authfailure', ['s dmarc policy', 'blocked for failing both spf and dkim autentication checks']],
      [
        'blocked',
        [
          'rejected due to having a domain present in the spamhaus',
          'rejected due to listing in spamhaus',
          'blocked - see https://support.proofpoint.com/dnsbl-lookup',
          'not accepting connections',
        ],
      ],
      ['hasmoved', ['recipient no longer on server']],
      ['mailboxfull', ['user is over quota']],
      ['norelaying', ['relay access denied']],
      ['notaccept', ['host/domain does not accept mail']],
      ['policyviolation', ['due to local policy']],
      ['rejected', ['sender address rejected']],
      ['speeding', ['due to excessive volume']],
      ['userunknown', ['inactive email address', 'user does not exist', 'unknown or illegal alias']],
    ],
  },
  {
    name: 'messagelabs',
    host: /messagelabs\.com$/,
    phrases: [
      ['securityerror', ['please turn on smtp authentication in your mail client']],
      ['rejected', ['your email address has been blacklisted']],
      ['userunknown', ['recipient address rejected: user unknown']],
    ],
  },
  {
    name: 'godaddy',
    host: /secureserver\.net$/,
    codes: { pattern: /\b(ib\d{3})\b/i, table: GODADDY_CODES },
    phrases: GODADDY_PHRASES,
  },
  {
    name: 'cox',
    host: /(?:^|\.)cox\.net$/,
    byRecipientDomain: true,
    answers: (text) => {
      const code = /aup#([a-z0-9]+)/.exec(text)?.[1];
      return (code ? coxCode(code) : null) ?? null;
    },
    phrases: COX_PHRASES,
  },
  {
    name: 'spectrum',
    host: /(?:^|\.)charter\.net$/,
    byRecipientDomain: true,
    answers: (text) => spectrumReason(text),
  },
  {
    name: 'mimecast',
    host: /\.mimecast\.com$/,
    answers: (text, replyCode) => mimecastReason(text, replyCode),
  },
  {
    name: 'cloudflare',
    host: /\.mx\.cloudflare\.net$/,
    phrases: [
      ['blocked', ['found on one or more dnsbls']],
      ['systemerror', ['upstream error']],
    ],
  },
  {
    name: 'facebook',
    host: /(?:facebook|fb)\.com$/,
    byRecipientDomain: true,
    codes: {
      pattern: /\b((?:rcp|mbx|msg|pol|dns|ssl|int|cnn|rdn|prt)-[a-z]\d)\b/i,
      table: { 'rcp-p1': 'userunknown', 'rcp-p2': 'filtered', 'rcp-p3': 'filtered', 'mbx-p1': 'filtered' },
    },
  },
];

/** The provider's reason for this recipient, or null when no provider rule applies. */
export function remoteHostReason(r: DecodedRecipient, reportingMta: string | null): BounceReason | null {
  // Text bounces name the remote host in the answer: "host mx.example.net[192.0.2.1] said:".
  const fromText = /\bhost ([a-z0-9][a-z0-9.-]+\.[a-z]{2,})\s*\[/i.exec(r.diagnostic ?? '')?.[1] ?? null;
  const hosts = [r.remoteMta ?? fromText, reportingMta]
    .filter((h): h is string => !!h)
    .map((h) => h.toLowerCase());
  const domain = r.recipient.split('@')[1] ?? '';
  const text = (r.diagnostic ?? '').toLowerCase();
  for (const rule of RULES) {
    if (!hosts.some((h) => rule.host.test(h)) && !(rule.byRecipientDomain && rule.host.test(domain)))
      continue;
    const answer = rule.answers?.(text, r.replyCode, r.status, r.diagnostic ?? '');
    if (answer) return answer;
    for (const [reason, phrases] of rule.phrases ?? [])
      if (phrases.some((p) => text.includes(p))) return reason;
    if (r.status && rule.statuses?.[r.status]) return rule.statuses[r.status]!;
    if (rule.codes) {
      const match = rule.codes.pattern.exec(text);
      const reason = match ? rule.codes.table[match[1]!.toLowerCase()] : undefined;
      if (reason) return reason;
    }
  }
  return null;
}
