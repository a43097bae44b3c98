import type { BounceReason } from '../bounce-verdict';
import { type BounceMessage, type DecodeResult, findAllAddresses } from '../decoded-recipient';
import { headerValue } from '../mime-walker';
import { reasonFromTable, textRecipient } from './lhost-helpers';

// Gmail's own (pre-2016) wording, which carries no usable status code.
const GMAIL_MESSAGES: ReadonlyArray<[BounceReason, readonly string[]]> = [
  [
    'expired',
    [
      'the recipient server did not accept our requests to connect',
      'delivery to the following recipient has been delayed',
    ],
  ],
  ['hostunknown', ['dns error: domain name not found', 'dns error: dns server returned answer with no data']],
  ['userunknown', ['the email account that you tried to reach does not exist']],
  ['mailboxfull', ['the email account that you tried to reach is over quota']],
  ['suspend', ['the email account that you tried to reach is disabled']],
  ['networkerror', ['dns error: ']],
];

/**
 * Gmail / Google Workspace bounces in text form: "Delivery to the following recipient failed
 * permanently:" + address + "Technical details of ... failure:". Google Groups refusals (the group
 * does not exist or does not accept the post) arrive with X-Failed-Recipients on googlegroups.com.
 */
export function decodeGoogle(message: BounceMessage): DecodeResult | null {
  if (!/@(?:googlemail|gmail|google)\.com$/.test(message.from)) return null;
  const failed = findAllAddresses(headerValue(message.headers, 'x-failed-recipients') ?? '');
  const text = message.text;
  const list =
    /^\s*Delivery to the following recipients? (?:failed permanently|has been delayed|failed)[^\n]*\n(?:[ \t]*\n)?((?:[ \t]+\S+@\S+\s*\n)+)/im.exec(
      text,
    );
  const addresses = list ? findAllAddresses(list[1]!) : failed;
  if (addresses.length === 0) return null;
  const details =
    /Technical details of [^\n]*failure:\s*([\s\S]*?)(?:\n-{3,}|\n\n\n|$)/i.exec(text)?.[1] ?? null;
  const groups = addresses.every((a) => /googlegroups\.com$/.test(a)) && !list;
  const reportText = text.split(/^-{3,} ?Original message/im)[0] ?? text;
  const recipients = addresses.map((address) => {
    if (groups) return textRecipient(address, reportText, 'rejected');
    const diagnostic = details ?? reportText;
    const returned = /The error that the other server returned was:\s*([\s\S]*)/i.exec(diagnostic ?? '');
    const r = textRecipient(
      address,
      returned ? returned[1]! : diagnostic,
      reasonFromTable(diagnostic, GMAIL_MESSAGES),
    );
    if (/^\s*(\d{3}) \1 /.test(returned?.[1] ?? '')) r.replyCode = returned![1]!.trim().slice(0, 3);
    return r;
  });
  return { recipients, reportingMta: null, decodedBy: groups ? 'googlegroups' : 'gmail' };
}
