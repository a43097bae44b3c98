import { angleMessageId, findQuotedEmailQueueId, findVerpAddress } from '@twe/domain';
import { BounceEmailMatch } from '@twe/persistence';

/** Ways a bounce can name the email it answers, most exact first (docs/decisions/0047). */
export interface EmailRowClues {
  /** From our VERP return path (`bounces+<id>@<bounce domain>`) among the delivery addresses. */
  verpEmailQueueId: number | null;
  /** The quoted original's Message-ID, `<...>` form. */
  quotedMessageId: string | null;
  /** From a quoted `X-TWE-Email-Id:` header line. */
  quotedEmailQueueId: number | null;
}

export interface EmailRowClueInput {
  /** Delivered-To / X-Original-To / Envelope-To first, then To and Cc: where our return path shows. */
  deliveryAddresses: string[];
  /** Domains of the Bounce Back types' "email to": only VERP addresses there are ours. */
  bounceDomains: string[];
  quotedMessageId: string | null;
  rawText: string;
}

export function emailRowClues(input: EmailRowClueInput): EmailRowClues {
  let verp = null;
  for (const domain of input.bounceDomains) {
    verp = findVerpAddress(input.deliveryAddresses, domain);
    if (verp !== null) break;
  }
  return {
    verpEmailQueueId: verp?.emailQueueId ?? null,
    quotedMessageId: angleMessageId(input.quotedMessageId),
    quotedEmailQueueId: findQuotedEmailQueueId(input.rawText),
  };
}

/** The clues in the order they are tried; the first that names an existing row wins. */
export function orderedClues(
  clues: EmailRowClues,
): Array<{ by: BounceEmailMatch; emailQueueId?: number; messageId?: string }> {
  const ordered: Array<{ by: BounceEmailMatch; emailQueueId?: number; messageId?: string }> = [];
  if (clues.verpEmailQueueId !== null)
    ordered.push({ by: BounceEmailMatch.Verp, emailQueueId: clues.verpEmailQueueId });
  if (clues.quotedMessageId !== null)
    ordered.push({ by: BounceEmailMatch.MessageId, messageId: clues.quotedMessageId });
  if (clues.quotedEmailQueueId !== null) {
    ordered.push({ by: BounceEmailMatch.Header, emailQueueId: clues.quotedEmailQueueId });
  }
  return ordered;
}
