import type { BounceReason } from './bounce-verdict';

/**
 * Documented answers of further providers, as Sisimai's Rhost modules list them (BSD-2; the codes
 * and phrases are the providers' published facts): GoDaddy's `IBnnn`, Cox's `AUP#CXxxx`,
 * Spectrum's `AUP#I1234` / `AUP#O1234` ranges, Mimecast's reply code + phrase pairs.
 */

export const GODADDY_CODES: Readonly<Record<string, BounceReason>> = {
  ib401: 'securityerror',
  ib501: 'notcompliantrfc',
  ib502: 'notcompliantrfc',
  ib506: 'rejected',
  ib508: 'authfailure',
  ib108: 'requireptr',
  ib212: 'spamdetected',
  ib705: 'virusdetected',
  ib605: 'toomanyconn',
  ib007: 'toomanyconn',
  ib101: 'speeding',
  ib110: 'blocked',
  ib111: 'blocked',
  ib112: 'blocked',
  ib113: 'blocked',
  ib504: 'speeding',
  ib510: 'speeding',
  ib607: 'speeding',
  ib103: 'badreputation',
  ib104: 'blocked',
  ib105: 'blocked',
  ib106: 'blocked',
};

export const GODADDY_PHRASES: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['blocked', ['rbl reject', 'www.spamhaus.org/query/bl?ip=']],
  ['expired', ['has been in the queue too long', 'delivery timeout']],
  ['mailboxfull', ['account storage limit']],
  ['spamdetected', ['message rejected for spam or virus content']],
  ['suspend', ['account disabled']],
  ['systemerror', ['message is looping']],
  ['userunknown', ['recipient not found', 'account does not exist']],
];

/** Cox's AUP codes: CXBL, CXDNS, ..., IPBLnnnn (DNSBL listings), URLBLnnn (listed URLs). */
export function coxCode(code: string): BounceReason | null {
  const fixed: Record<string, BounceReason> = {
    cxbl: 'blocked',
    cxdns: 'requireptr',
    cxsndr: 'authfailure',
    cxsmtp: 'rejected',
    cxcnct: 'toomanyconn',
    cxmxrt: 'toomanyconn',
    cdrbl: 'blocked',
    cxthrt: 'securityerror',
    cxmj: 'securityerror',
  };
  if (fixed[code]) return fixed[code]!;
  if (/^ipbl\d+$/.test(code)) return 'blocked';
  if (/^urlbl\d+$/.test(code)) return 'spamdetected';
  return null;
}

export const COX_PHRASES: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['blocked', ['cox too many bad commands from', 'too many invalid recipients']],
  ['requireptr', ['dns check failure - try again later', 'rejected - no rdns']],
  ['policyviolation', ['esmtp no data before greeting', 'attachment extension is forbidden']],
  ['rejected', ['sender rejected']],
  ['systemerror', ['esmtp server temporarily not available']],
  [
    'toomanyconn',
    ['too many sessions from', 'requested action aborted: try again later', 'message threshold exceeded'],
  ],
  ['userunknown', ['recipient rejected']],
];

const SPECTRUM_RANGES: ReadonlyArray<[number, number, BounceReason]> = [
  [1000, 1000, 'blocked'],
  [1010, 1010, 'rejected'],
  [1020, 1080, 'rejected'],
  [1090, 1090, 'systemerror'],
  [1100, 1150, 'requireptr'],
  [1160, 1190, 'policyviolation'],
  [1200, 1210, 'blocked'],
  [1220, 1250, 'blocked'],
  [1260, 1260, 'networkerror'],
  [1300, 1340, 'toomanyconn'],
  [1350, 1490, 'speeding'],
  [1500, 1500, 'rejected'],
  [1520, 1520, 'rejected'],
  [1530, 1530, 'mesgtoobig'],
  [1540, 1540, 'speeding'],
  [1550, 1550, 'speeding'],
  [1560, 1560, 'policyviolation'],
  [1580, 1580, 'speeding'],
];

/** Spectrum (Charter): `AUP#I1250` / `AUP#O1500`, the four digits fall in a documented range. */
export function spectrumReason(text: string): BounceReason | null {
  const digits = /aup#[a-z-]*(\d{4})/.exec(text)?.[1];
  if (!digits) return null;
  const code = Number(digits);
  return SPECTRUM_RANGES.find(([from, to]) => code >= from && code <= to)?.[2] ?? null;
}

const MIMECAST_ANSWERS: ReadonlyArray<[BounceReason, string, string]> = [
  ['authfailure', '550', 'spf sender invalid - envelope rejected'],
  ['authfailure', '550', 'dkim sender invalid - envelope rejected'],
  ['authfailure', '550', 'dmarc sender invalid - envelope rejected'],
  ['badreputation', '451', 'internal resources are temporarily unavailable'],
  ['badreputation', '550', 'local ct ip reputation - (reject)'],
  ['blocked', '421', 'sender address blocked'],
  ['blocked', '451', 'recipient temporarily unavailable'],
  ['blocked', '451', 'ip temporarily blacklisted'],
  ['expired', '550', 'journal messages past the expiration'],
  ['failedstarttls', '553', 'this route requires encryption (tls)'],
  ['failedstarttls', '553', 'this route requires tls version 1.2 or greater'],
  ['failedstarttls', '553', 'this route requires high-strength ciphers'],
  ['failedstarttls', '554', 'configuration is invalid for this certificate'],
  ['mesgtoobig', '554', 'maximum email size exceeded'],
  ['networkerror', '451', 'the incorrect hostname used for inbounds'],
  ['networkerror', '550', 'the incorrect hostname used for inbounds'],
  ['networkerror', '554', 'mail loop detected'],
  ['norelaying', '451', 'open relay not allowed'],
  ['norelaying', '451', 'open relay is not allowed'],
  ['notaccept', '451', 'account inbounds disabled'],
  ['onhold', '451', 'account outbounds disabled'],
  ['onhold', '451', 'hostname is not authorized'],
  ['onhold', '550', 'journal message past expiration'],
  ['policyviolation', '550', 'anti-spoofing policy - inbound not allowed'],
  ['policyviolation', '550', 'rejected by header-based anti-spoofing policy'],
  ['policyviolation', '554', 'host network not allowed'],
  ['policyviolation', '554', 'host network, not allowed'],
  ['rejected', '550', 'administrative prohibition envelope blocked'],
  ['rejected', '550', 'envelope blocked - user entry'],
  ['rejected', '550', 'envelope blocked - user domain entry'],
  ['rejected', '550', 'rejected by header-based manually blocked senders - block for manual block'],
  ['rejected', '550', 'rejected by header-based blocked senders - block policy for header from'],
  ['rejected', '550', 'envelope rejected - block policy for envelope from address'],
  ['securityerror', '535', 'incorrect authentication data'],
  ['securityerror', '550', 'submitter failed to disabled'],
  ['securityerror', '550', 'submitter failed to authenticate'],
  ['systemerror', '451', 'unable to process connection at this time'],
  ['systemerror', '451', 'message ended early'],
  ['systemerror', '451', 'unable to process command'],
  ['systemerror', '451', 'unable to process an email at this time'],
  ['toomanyconn', '451', 'account service is temporarily unavailable'],
  ['toomanyconn', '452', 'too many recipients'],
  ['toomanyconn', '550', 'exceeding outbound thread limit'],
  ['userunknown', '501', 'invalid address'],
  ['userunknown', '503', 'user unknown'],
  ['userunknown', '550', 'invalid recipient'],
  ['virusdetected', '554', 'email rejected due to security policies'],
];

/** Mimecast: a documented answer is a reply code with its phrase. */
export function mimecastReason(text: string, replyCode: string | null): BounceReason | null {
  if (!replyCode) return null;
  return (
    MIMECAST_ANSWERS.find(([, code, phrase]) => code === replyCode && text.includes(phrase))?.[0] ?? null
  );
}
