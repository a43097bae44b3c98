import type { BounceReason } from '../bounce-verdict';
import { type BounceMessage, type DecodeResult, findAddress, findAllAddresses } from '../decoded-recipient';
import { reasonFromTable, textRecipient } from './lhost-helpers';

const DOMINO_MESSAGES: ReadonlyArray<[BounceReason, readonly string[]]> = [
  [
    'userunknown',
    ['not listed in domino directory', 'not listed in public name & address book', 'no such user'],
  ],
  ['filtered', ['cannot be delivered because the recipient has restricted']],
  ['networkerror', ['message has exceeded maximum hop count']],
];

/** Lotus Domino: "was not delivered to:" / address / "because:" / reason. */
export function decodeDomino(message: BounceMessage): DecodeResult | null {
  const match = /was not delivered to:\s*\n\s*(\S+@\S+)\s*\n\s*because:\s*\n([\s\S]*?)(?:\n\s*\n|$)/i.exec(
    message.text,
  );
  if (!match) return null;
  const address = findAddress(match[1]);
  if (!address) return null;
  const reason = match[2]!.trim();
  return {
    recipients: [textRecipient(address, reason, reasonFromTable(reason, DOMINO_MESSAGES))],
    reportingMta: null,
    decodedBy: 'domino',
  };
}

/** Lotus Notes (old SMTP MTA): "------- Failure Reasons --------", reason lines, then the addresses. */
export function decodeNotes(message: BounceMessage): DecodeResult | null {
  const match = /^-+ *Failure Reasons *-+\s*\n([\s\S]*?)^-+ *Returned Message/im.exec(message.text);
  if (!match) return null;
  const block = match[1]!
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const addresses = block.flatMap((l) => (/^\S+@\S+$/.test(l) ? findAllAddresses(l) : []));
  const reason = block.filter((l) => !/^\S+@\S+$/.test(l)).join(' ');
  if (addresses.length === 0) return null;
  return {
    recipients: addresses.map((a) => textRecipient(a, reason, reasonFromTable(reason, DOMINO_MESSAGES))),
    reportingMta: null,
    decodedBy: 'notes',
  };
}
