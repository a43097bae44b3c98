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

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(email: string, name: string | null) {
    this.email = email;
    this.name = name;
  }
}
