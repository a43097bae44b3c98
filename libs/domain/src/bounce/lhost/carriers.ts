import type { BounceReason } from '../bounce-verdict';
import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  findAddress,
} from '../decoded-recipient';
import { reasonFromTable, textRecipient } from './lhost-helpers';

const VERIZON: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['userunknown', ['550 - requested action not taken: no such user here', 'no valid recipients']],
];

/**
 * Verizon's SMS/MMS gateways (`post_master@vtext...`, `sysadmin@...vzwpix...`): an "Error:" line,
 * and the envelope under "Message details:" (`RCPT TO: addr`) or the original's `To:`.
 */
export function decodeVerizon(message: BounceMessage): DecodeResult | null {
  if (!/^post_master@vtext\.|^sysadmin@.*\.vzwpix\./.test(message.from)) return null;
  const error = /^Error: (.*)$/m.exec(message.text)?.[1] ?? null;
  const details = message.text.split(/^(?:Original Message:|Message details:)/m)[1] ?? '';
  const address = findAddress(/^\s*(?:RCPT TO|To): *(.+)$/m.exec(details)?.[1]);
  if (!address) return null;
  return {
    recipients: [textRecipient(address, error, reasonFromTable(error, VERIZON))],
    reportingMta: null,
    decodedBy: 'verizon',
  };
}

const BIGLOBE: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['filtered', ['mail delivery failed... user unknown']],
  ['mailboxfull', ["the number of messages in recipient's mailbox exceeded the local limit."]],
];

/**
 * BIGLOBE and the Japanese cable ISPs on its platform: "----- The following addresses had delivery
 * problems -----", bare addresses, then "----- Non-delivered information -----" and the reason.
 */
export function decodeBiglobe(message: BounceMessage): DecodeResult | null {
  if (!/^Returned mail:/.test(message.subject)) return null;
  const lines = message.text.split(/\r?\n/);
  const at = lines.findIndex((l) =>
    l.startsWith('   ----- The following addresses had delivery problems -----'),
  );
  if (at < 0 || !lines.some((l) => l.includes('----- Non-delivered information -----'))) return null;
  const addresses: string[] = [];
  const said: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (/^Content-Type: message\/rfc822/i.test(line)) break;
    const address = !line.trim().includes(' ') ? findAddress(line) : null;
    if (address) addresses.push(address);
    else if (line.trim() !== '' && !line.includes('--')) said.push(line.trim());
  }
  if (addresses.length === 0) return null;
  const diagnostic = said.join(' ');
  const recipients: DecodedRecipient[] = addresses.map((a) =>
    textRecipient(a, diagnostic, reasonFromTable(diagnostic, BIGLOBE)),
  );
  return { recipients, reportingMta: null, decodedBy: 'biglobe' };
}
