import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

import { TicketLog } from './ticket-log.entity';

@Entity({ tableName: 'attachment' })
export class Attachment {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => TicketLog, { deleteRule: 'cascade' })
  ticketLog: TicketLog;

  @Property({ type: 'string', length: 500, nullable: true })
  filename: string | null;

  @Property({ type: 'string', length: 255 })
  contentType: string;

  @Property({ type: 'integer' })
  size: number;

  @Property({ type: 'string', length: 64 })
  sha256: string;

  /** Content-ID of an inline part (cid: references in the HTML body). */
  @Property({ type: 'string', length: 998, nullable: true })
  contentId: string | null = null;

  @Property({ type: 'boolean', default: false })
  inline: boolean = false;

  @Property({ type: 'blob', lazy: true })
  content: Buffer;

  constructor(fields: {
    ticketLog: TicketLog;
    filename: string | null;
    contentType: string;
    size: number;
    sha256: string;
    content: Buffer;
  }) {
    this.ticketLog = fields.ticketLog;
    this.filename = fields.filename;
    this.contentType = fields.contentType;
    this.size = fields.size;
    this.sha256 = fields.sha256;
    this.content = fields.content;
  }
}
