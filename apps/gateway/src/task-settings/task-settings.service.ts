import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { BackgroundTaskSetting, type BackgroundTaskName } from '@twe/persistence';

import { notFound } from '../common/api-errors';
import {
  TASK_LABELS,
  TASK_NAMES,
  type TaskSettingDto,
  type UpdateTaskSettingInput,
} from './task-setting.schemas';

/**
 * The table is the only place these settings live: the fetcher and the sender re-read it and
 * reconcile their schedules within seconds, so a change needs no restart and no message.
 */
@Injectable()
export class TaskSettingsService {
  constructor(private readonly em: EntityManager) {}

  async list(): Promise<TaskSettingDto[]> {
    const settings = await this.em.find(BackgroundTaskSetting, {}, { orderBy: { name: 'asc' } });
    return settings.map(toTaskSettingDto);
  }

  async update(name: string, input: UpdateTaskSettingInput): Promise<TaskSettingDto> {
    const setting = TASK_NAMES.includes(name as BackgroundTaskName)
      ? await this.em.findOne(BackgroundTaskSetting, { name: name as BackgroundTaskName })
      : null;
    if (!setting) throw notFound('Background task', name);
    if (input.intervalSeconds !== undefined) setting.intervalSeconds = input.intervalSeconds;
    if (input.enabled !== undefined) setting.enabled = input.enabled;
    await this.em.flush();
    return toTaskSettingDto(setting);
  }
}

function toTaskSettingDto(setting: BackgroundTaskSetting): TaskSettingDto {
  return {
    name: setting.name,
    label: TASK_LABELS[setting.name] ?? setting.name,
    intervalSeconds: setting.intervalSeconds,
    enabled: setting.enabled,
    updatedAt: setting.updatedAt.toISOString(),
  };
}
