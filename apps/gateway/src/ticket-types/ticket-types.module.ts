import { Module } from '@nestjs/common';

import { TicketTypeRepository } from './ticket-type.repository';
import { TicketTypesController } from './ticket-types.controller';
import { TicketTypesService } from './ticket-types.service';

@Module({
  controllers: [TicketTypesController],
  providers: [TicketTypesService, TicketTypeRepository],
})
export class TicketTypesModule {}
