import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';

@Entity({ tableName: 'contact' })
export class Contact {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  /** Normalised (lower-case) address: one contact per address. */
  @Unique()
  @Property({ type: 'string', length: 320 })
  email: string;

  @Property({ type: 'string', length: 300, nullable: true })
  name: string | null = null;

  /**
   * Set by a hard bounce to this address; the mail-sender refuses to send to it until staff resolve
   * the contact's last unresolved hard bounce (SPEC §6).
   */
  @Property({ type: 'datetime', nullable: true })
  undeliverableSince: Date | null = null;

  @Property({ type: 'text', nullable: true })
  undeliverableReason: string | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(email: string, name: string | null) {
    this.email = email;
    this.name = name;
  }
}
