import type { EntityManager } from '@mikro-orm/postgresql';
import { classifySmtpRejection, normalizeAddress } from '@twe/domain';
import {
  BounceEmailMatch,
  BounceRecordKind,
  BounceSource,
  recordBounces,
  type NewBounceRecord,
} from '@twe/persistence';

/** What nodemailer reports per refused recipient (`rejectedErrors`, on the error or on the info). */
interface RejectedRecipientError {
  recipient?: unknown;
  response?: unknown;
  responseCode?: unknown;
}

/**
 * Our relay refusing a recipient for good (5xx at RCPT TO) is a bounce learnt synchronously: it is
 * recorded like a DSN, linked to the email row and the contact (docs/decisions/0046). 4xx refusals
 * are retried, not recorded.
 */
export async function recordRecipientRejections(
  em: EntityManager,
  emailQueueId: number,
  source: unknown,
): Promise<number[]> {
  const rejectedErrors = readRejectedErrors(source);
  const records: NewBounceRecord[] = [];
  for (const rejection of rejectedErrors) {
    const recipient = normalizeAddress(typeof rejection.recipient === 'string' ? rejection.recipient : null);
    const code = typeof rejection.responseCode === 'number' ? rejection.responseCode : null;
    const response = typeof rejection.response === 'string' ? rejection.response : '';
    if (recipient === null || code === null || code < 500 || code >= 600) continue;
    const verdict = classifySmtpRejection(response, code);
    records.push({
      inboundMessageId: null,
      source: BounceSource.SmtpRejection,
      kind: BounceRecordKind.Bounce,
      recipient,
      status: verdict.status,
      replyCode: verdict.replyCode,
      reason: verdict.reason,
      hardBounce: verdict.hardBounce,
      diagnostic: verdict.diagnostic,
      reportingMta: null,
      originalMessageId: null,
      originalSubject: null,
      emailQueueId,
      emailMatchedBy: BounceEmailMatch.Sender,
    });
  }
  if (records.length === 0) return [];
  return em.transactional(async (tem) => (await recordBounces(tem, records)).insertedIds);
}

function readRejectedErrors(source: unknown): RejectedRecipientError[] {
  if (typeof source !== 'object' || source === null) return [];
  const list = (source as { rejectedErrors?: unknown }).rejectedErrors;
  return Array.isArray(list)
    ? list.filter((item): item is RejectedRecipientError => typeof item === 'object' && item !== null)
    : [];
}
