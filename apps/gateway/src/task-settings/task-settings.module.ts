import { Module } from '@nestjs/common';

import { TaskSettingsController } from './task-settings.controller';
import { TaskSettingsService } from './task-settings.service';

@Module({ controllers: [TaskSettingsController], providers: [TaskSettingsService] })
export class TaskSettingsModule {}
