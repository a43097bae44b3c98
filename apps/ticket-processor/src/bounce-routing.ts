import { addressDomain, findVerpAddress } from '@twe/domain';
import { TicketTask, type TicketType } from '@twe/persistence';

/**
 * Whether a captured message belongs to the bounce-worker instead of becoming a ticket (SPEC §6):
 * it was sent to a `Bounce Back` type's address, or to one of our VERP return paths
 * (`bounces+<id>@<a Bounce Back type's domain>`, which no type's "email to" matches exactly). A bounce
 * never creates a ticket or a notification, even when it is also addressed to another type.
 *
 * `matched` are the types the message matched; `allTypes` every type (their domains define which
 * VERP addresses are ours, active or not: bounces of mail sent before a type was switched off still
 * come back).
 */
export function routesToBounceWorker(
  recipients: { to: string[]; cc: string[]; envelope: string[] },
  matched: readonly TicketType[],
  allTypes: readonly TicketType[],
): boolean {
  if (matched.some((type) => type.task === TicketTask.BounceBack)) return true;
  const addresses = [...recipients.envelope, ...recipients.to, ...recipients.cc];
  const bounceDomains = new Set(
    allTypes
      .filter((type) => type.task === TicketTask.BounceBack)
      .map((type) => addressDomain(type.emailTo))
      .filter((domain): domain is string => domain !== null),
  );
  return [...bounceDomains].some((domain) => findVerpAddress(addresses, domain) !== null);
}
