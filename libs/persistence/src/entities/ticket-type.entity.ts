import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

import { Mailbox } from './mailbox.entity';

export const TicketTask = {
  SimpleStorage: 'Simple Storage',
  Assignment: 'Assignment',
  BounceBack: 'Bounce Back',
} as const;
export type TicketTask = (typeof TicketTask)[keyof typeof TicketTask];

@Entity({ tableName: 'ticket_type' })
export class TicketType {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Enum({ items: () => Object.values(TicketTask), type: 'string' })
  task: TicketTask;

  @Property({ type: 'string', length: 200 })
  name: string;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  /** The address that identifies this type (matched against To, Cc and delivery headers). */
  @Index()
  @Property({ type: 'string', length: 320 })
  emailTo: string;

  /** The word in our subject tag: `[Support #123-789]`. */
  @Property({ type: 'string', length: 60 })
  workflowTag: string;

  @ManyToOne(() => Mailbox, { deleteRule: 'restrict' })
  mailbox: Mailbox;

  @Property({ type: 'string', length: 320, nullable: true })
  emailForward: string | null = null;

  @Property({ type: 'string', length: 320 })
  adminEmail: string;

  /** Optional extra table that also receives each new enquiry (validated against the catalogue). */
  @Property({ type: 'string', length: 120, nullable: true })
  saveTable: string | null = null;

  @Property({ type: 'string', length: 120, nullable: true })
  saveFromColumn: string | null = null;

  @Property({ type: 'string', length: 120, nullable: true })
  saveSubjectColumn: string | null = null;

  @Property({ type: 'string', length: 120, nullable: true })
  saveBodyColumn: string | null = null;

  @Property({ type: 'boolean', default: true })
  active: boolean = true;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  constructor(fields: {
    task: TicketTask;
    name: string;
    emailTo: string;
    workflowTag: string;
    mailbox: Mailbox;
    adminEmail: string;
  }) {
    this.task = fields.task;
    this.name = fields.name;
    this.emailTo = fields.emailTo;
    this.workflowTag = fields.workflowTag;
    this.mailbox = fields.mailbox;
    this.adminEmail = fields.adminEmail;
  }
}
