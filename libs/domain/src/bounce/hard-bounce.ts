import type { BounceReason } from './bounce-verdict';

/**
 * Whether the address itself is dead (Sisimai's rule, go-sisimai smtp/failure): the reason decides,
 * not the 4xx/5xx class. userunknown, hostunknown and hasmoved are hard; notaccept is hard unless
 * the server said it was temporary (4xx); everything else (mailbox full, blocked, spam, ...) is soft,
 * because the same address can work again without the contact changing it.
 */
export function isHardBounce(reason: BounceReason, status: string | null, replyCode: string | null): boolean {
  if (reason === 'userunknown' || reason === 'hostunknown' || reason === 'hasmoved') return true;
  if (reason !== 'notaccept') return false;
  const klass = status?.charAt(0) ?? replyCode?.charAt(0) ?? null;
  return klass !== '4';
}
