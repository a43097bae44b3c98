import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@twe/config';
import { addressDomain, formatVerpAddress, normalizeAddress } from '@twe/domain';
import { TicketTask, TicketType } from '@twe/persistence';
import { APP_CONFIG } from '@twe/runtime';

/**
 * The envelope sender (MAIL FROM, where bounces go) of one email row (SPEC §6, docs/decisions/0047):
 * `bounces+<emailQueueId>@<domain of the Bounce Back type's email to>` when an active Bounce Back type
 * exists, so each bounce names the row it answers; otherwise the address of MAIL_FROM.
 */
@Injectable()
export class ReturnPathService {
  private readonly fallback: string | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.fallback = normalizeAddress(config.MAIL_FROM);
  }

  async envelopeSender(em: EntityManager, emailQueueId: number): Promise<string | null> {
    // The oldest active type decides when there are several: stable across sends and replicas.
    const bounceType = await em.findOne(
      TicketType,
      { task: TicketTask.BounceBack, active: true },
      { fields: ['emailTo'], orderBy: { id: 'asc' } },
    );
    const domain = bounceType ? addressDomain(bounceType.emailTo) : null;
    if (domain !== null) {
      try {
        return formatVerpAddress(emailQueueId, domain);
      } catch {
        // A domain VERP cannot use (a bare host name): the fallback still delivers the bounces.
      }
    }
    return this.fallback;
  }
}
