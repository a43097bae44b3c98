import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { type Mailbox, TicketType } from '@twe/persistence';

import { conflict, FieldErrors, notFound } from '../common/api-errors';
import { assertDeleteConfirmed } from '../common/delete-confirmation';
import { checkSaveTableCatalog, checkSaveTableShape, type SaveTableChoice } from './save-table.rules';
import { toTicketTypeDto } from './ticket-type.mapper';
import { TicketTypeRepository } from './ticket-type.repository';
import type { CreateTicketTypeInput, TicketTypeDto, UpdateTicketTypeInput } from './ticket-type.schemas';

@Injectable()
export class TicketTypesService {
  constructor(private readonly types: TicketTypeRepository) {}

  async list(): Promise<TicketTypeDto[]> {
    const types = await this.types.list();
    const counts = await this.types.ticketCounts(types.map((type) => type.id));
    return types.map((type) => toTicketTypeDto(type, counts.get(type.id) ?? 0));
  }

  async get(id: number): Promise<TicketTypeDto> {
    const type = await this.types.findById(id);
    if (!type) throw notFound('Ticket type', id);
    return this.toDto(type);
  }

  async create(input: CreateTicketTypeInput): Promise<TicketTypeDto> {
    const mailbox = await this.check(null, input);
    const type = new TicketType({
      task: input.task,
      name: input.name,
      emailTo: input.emailTo,
      workflowTag: input.workflowTag,
      mailbox: mailbox!,
      adminEmail: input.adminEmail,
    });
    apply(type, input, mailbox);
    await this.types.save(type);
    return this.toDto(type);
  }

  async update(id: number, input: UpdateTicketTypeInput): Promise<TicketTypeDto> {
    const type = await this.types.findById(id);
    if (!type) throw notFound('Ticket type', id);
    const mailbox = await this.check(type, input);
    apply(type, input, mailbox);
    await this.types.save(type);
    return this.toDto(type);
  }

  async remove(id: number, confirm: unknown): Promise<void> {
    const type = await this.types.findById(id);
    if (!type) throw notFound('Ticket type', id);
    assertDeleteConfirmed(confirm, `ticket type ${id}`);
    await this.assertNoTickets(type);
    try {
      await this.types.delete(id);
    } catch (error) {
      if (error instanceof ForeignKeyConstraintViolationException) await this.assertNoTickets(type);
      throw error;
    }
  }

  private async assertNoTickets(type: TicketType): Promise<void> {
    const tickets = (await this.types.ticketCounts([type.id])).get(type.id) ?? 0;
    if (tickets === 0) return;
    throw conflict(
      `Ticket type ${type.id} (${type.name}) cannot be deleted: ${tickets} ${tickets === 1 ? 'ticket belongs' : 'tickets belong'} to it`,
      { relations: { tickets } },
    );
  }

  /**
   * Checks the type as it would be after the change; returns the mailbox named by `mailboxId`
   * (undefined when the input does not name one).
   */
  private async check(
    current: TicketType | null,
    input: UpdateTicketTypeInput,
  ): Promise<Mailbox | undefined> {
    const errors = new FieldErrors();
    let mailbox: Mailbox | undefined;
    if (input.mailboxId !== undefined) {
      mailbox = (await this.types.findMailbox(input.mailboxId)) ?? undefined;
      if (!mailbox) errors.add('mailboxId', `Mailbox ${input.mailboxId} does not exist`);
    }

    const emailTo = input.emailTo ?? current?.emailTo;
    const active = input.active ?? current?.active ?? true;
    if (emailTo !== undefined && active && (input.emailTo !== undefined || input.active !== undefined)) {
      // Two active types on one address would turn every message to it into two tickets.
      const [owner] = await this.types.findActiveByEmailTo(emailTo, current?.id ?? null);
      if (owner) errors.add('emailTo', `Ticket type ${owner.id} (${owner.name}) already uses this address`);
    }

    const choice: SaveTableChoice = {
      saveTable: pick(input.saveTable, current?.saveTable),
      saveFromColumn: pick(input.saveFromColumn, current?.saveFromColumn),
      saveSubjectColumn: pick(input.saveSubjectColumn, current?.saveSubjectColumn),
      saveBodyColumn: pick(input.saveBodyColumn, current?.saveBodyColumn),
    };
    const saveTableTouched = ['saveTable', 'saveFromColumn', 'saveSubjectColumn', 'saveBodyColumn'].some(
      (field) => input[field as keyof UpdateTicketTypeInput] !== undefined,
    );
    if (current === null || saveTableTouched) {
      checkSaveTableShape(choice, errors);
      if (choice.saveTable !== null && !errors.has('saveTable')) {
        checkSaveTableCatalog(
          choice,
          await this.types.tableColumns(choice.saveTable),
          this.types.engineTables(),
          errors,
        );
      }
    }
    errors.throwIfAny();
    return mailbox;
  }

  private async toDto(type: TicketType): Promise<TicketTypeDto> {
    const counts = await this.types.ticketCounts([type.id]);
    return toTicketTypeDto(type, counts.get(type.id) ?? 0);
  }
}

function pick<T>(given: T | null | undefined, stored: T | null | undefined): T | null {
  return given !== undefined ? given : (stored ?? null);
}

function apply(type: TicketType, input: UpdateTicketTypeInput, mailbox: Mailbox | undefined): void {
  if (input.task !== undefined) type.task = input.task;
  if (input.name !== undefined) type.name = input.name;
  if (input.description !== undefined) type.description = input.description === '' ? null : input.description;
  if (input.emailTo !== undefined) type.emailTo = input.emailTo;
  if (input.workflowTag !== undefined) type.workflowTag = input.workflowTag;
  if (mailbox !== undefined) type.mailbox = mailbox;
  if (input.emailForward !== undefined) type.emailForward = input.emailForward;
  if (input.adminEmail !== undefined) type.adminEmail = input.adminEmail;
  if (input.saveTable !== undefined) type.saveTable = input.saveTable;
  if (input.saveFromColumn !== undefined) type.saveFromColumn = input.saveFromColumn;
  if (input.saveSubjectColumn !== undefined) type.saveSubjectColumn = input.saveSubjectColumn;
  if (input.saveBodyColumn !== undefined) type.saveBodyColumn = input.saveBodyColumn;
  if (input.active !== undefined) type.active = input.active;
}
