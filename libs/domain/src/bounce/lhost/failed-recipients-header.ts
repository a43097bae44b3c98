import { type BounceMessage, type DecodeResult, findAllAddresses } from '../decoded-recipient';
import { headerValue } from '../mime-walker';
import { reportPart } from '../heuristic';
import { textRecipient } from './lhost-helpers';

/** Any bounce that names its failures in X-Failed-Recipients: the report text is the diagnostic. */
export function decodeFailedRecipientsHeader(message: BounceMessage): DecodeResult | null {
  const failed = findAllAddresses(headerValue(message.headers, 'x-failed-recipients') ?? '');
  if (failed.length === 0) return null;
  const text = reportPart(message.text).replace(/^\s*\*\* Message not delivered \*\*\s*/i, '');
  const paragraph = text.split(/\n\s*\n/).find((p) => p.trim() !== '') ?? text;
  return {
    recipients: failed.map((a) => textRecipient(a, paragraph)),
    reportingMta: null,
    decodedBy: 'x-failed-recipients',
  };
}
