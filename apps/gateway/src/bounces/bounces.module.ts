import { Module } from '@nestjs/common';

import { BouncesController, ContactBouncesController } from './bounces.controller';
import { BouncesService } from './bounces.service';

@Module({ controllers: [BouncesController, ContactBouncesController], providers: [BouncesService] })
export class BouncesModule {}
