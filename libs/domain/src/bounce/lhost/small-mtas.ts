import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  findAddress,
} from '../decoded-recipient';
import { textRecipient } from './lhost-helpers';

/** DragonFly Mail Agent: "There was an error delivering your mail to <addr>." then the answer. */
export function decodeDragonFly(message: BounceMessage): DecodeResult | null {
  const match = /error delivering your mail to <([^>]+)>\.\s*\n\s*\n([\s\S]*?)(?:\n\s*\n|$)/i.exec(
    message.text,
  );
  if (!match) return null;
  const r = textRecipient(match[1]!, match[2]!);
  if (/did not like our (RCPT TO|MAIL FROM|DATA)/i.test(match[2]!))
    r.command = /RCPT/i.test(match[2]!) ? 'RCPT' : r.command;
  return { recipients: [r], reportingMta: null, decodedBy: 'dragonfly' };
}

/** MailMarshal SMTP: "Could not be delivered because of" / answer / "The following recipients were affected:". */
export function decodeMailMarshal(message: BounceMessage): DecodeResult | null {
  const match =
    /Could not be delivered because of\s*\n([\s\S]*?)\n\s*The following recipients were affected:\s*\n((?:[ \t]+\S+@\S+\s*\n?)+)/i.exec(
      message.text,
    );
  if (!match) return null;
  const addresses = match[2]!
    .split(/\s+/)
    .map((a) => findAddress(a))
    .filter((a): a is string => !!a);
  return {
    recipients: addresses.map((a) => textRecipient(a, match[1]!)),
    reportingMta: /Reporting-MTA:\s*<([^>]+)>/i.exec(message.text)?.[1] ?? null,
    decodedBy: 'mailmarshal',
  };
}

/** Apache James: "Error message below:" / answer, and the envelope under "Message details:". */
export function decodeApacheJames(message: BounceMessage): DecodeResult | null {
  const error = /Error message below:\s*\n([\s\S]*?)\n\s*\n/i.exec(message.text);
  const rcpt = /^\s*RCPT TO:\s*(\S+)/im.exec(message.text);
  if (!error || !rcpt) return null;
  const address = findAddress(rcpt[1]);
  if (!address) return null;
  const diagnostic = error[1]!.trim();
  const r = textRecipient(address, diagnostic);
  // James writes `550 - text`: the reply code, never a command.
  r.replyCode = /^([245]\d\d)\b/.exec(diagnostic)?.[1] ?? r.replyCode;
  r.command = null;
  return { recipients: [r], reportingMta: null, decodedBy: 'apachejames' };
}

/**
 * Sendmail session transcripts without a DSN part (V5 and later): `>>> MAIL From:` / `<<< 550 answer` / `554 <addr>... text`.
 * The remote answer (`<<<`) is the diagnostic; the command before it is kept.
 */
export function decodeV5Sendmail(message: BounceMessage): DecodeResult | null {
  const at = message.text.search(/^\s*-+ ?Transcript of session follows ?-+/im);
  if (at < 0) return null;
  const lines = message.text.slice(at).split(/\r?\n/);
  const recipients: DecodedRecipient[] = [];
  let command: string | null = null;
  let answer: string | null = null;
  for (const line of lines) {
    if (/^\s*-+ ?(?:Unsent|Original) message/i.test(line)) break;
    const sent = /^\s*>>>\s*(\w+)/.exec(line);
    if (sent) {
      command = sent[1]!.toUpperCase();
      continue;
    }
    const got = /^\s*<<<\s*(.*)$/.exec(line);
    if (got) {
      answer = got[1]!;
      continue;
    }
    // `550 5.1.2 <addr>... Host unknown`, or `addr... Deferred: ...` (no code) in a delay warning.
    const failed =
      /^\s*(?:(\d{3})(?: ([245]\.\d{1,3}\.\d{1,3}))? )?<?([^\s<>]+@[^\s<>.]+(?:\.[^\s<>.]+)+)>?\.\.\. (.*)$/.exec(
        line,
      );
    if (failed) {
      const own = [failed[1], failed[2], failed[4]].filter((p) => p).join(' ');
      const r = textRecipient(failed[3]!, answer ?? own);
      r.command = command;
      recipients.push(r);
    }
  }
  return recipients.length > 0 ? { recipients, reportingMta: null, decodedBy: 'sendmail' } : null;
}

/** "The following recipients returned permanent errors: addr. Reason: ... [554 5.4.6 text]". */
export function decodeInlineErrors(message: BounceMessage): DecodeResult | null {
  const match = /recipients returned (?:permanent|temporary) errors:\s*(\S+?)\.?\s+Reason:\s*(.*)/i.exec(
    message.text,
  );
  if (!match) return null;
  const address = findAddress(match[1]);
  if (!address) return null;
  const reason = match[2]!;
  const answer = /\[([245]\d\d [^\]]*)\]/.exec(reason)?.[1] ?? reason;
  const r = textRecipient(address, answer);
  r.command = /\((DATA|RCPT|MAIL)[^)]*\)/.exec(reason)?.[1] ?? r.command;
  return { recipients: [r], reportingMta: null, decodedBy: 'inline-errors' };
}

/** fml mailing list manager notices: loop alerts and refusals, addressed to one member. */
export function decodeFml(message: BounceMessage): DecodeResult | null {
  const subject = message.subject;
  if (!/^(?:Loop Alert|fml status report|Rejected|Not member|Your message to)/i.test(subject)) return null;
  if (!/-admin@|-request@|owner-/i.test(message.from) && !/fml/i.test(message.text)) return null;
  const address = findAddress(/Duplicated Message-ID in (<[^>]+>)/i.exec(message.text)?.[1]) ?? null;
  if (!address) return null;
  const preset = /loop alert/i.test(subject) ? ('systemerror' as const) : ('rejected' as const);
  return { recipients: [textRecipient(address, subject, preset)], reportingMta: null, decodedBy: 'fml' };
}
