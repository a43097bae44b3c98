import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';

import { errorResponseRef, validationErrorResponseRef } from '../common/api-errors';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import {
  TASK_NAMES,
  taskSettingRefs,
  updateTaskSettingSchema,
  type TaskSettingDto,
  type UpdateTaskSettingInput,
} from './task-setting.schemas';
import { TaskSettingsService } from './task-settings.service';

@ApiTags('Background tasks')
@Controller('api/settings/tasks')
export class TaskSettingsController {
  constructor(private readonly settings: TaskSettingsService) {}

  @Get()
  @ApiOperation({ summary: 'Background task settings (interval, enabled)' })
  @ApiOkResponse({ schema: { type: 'array', items: taskSettingRefs.setting } })
  list(): Promise<TaskSettingDto[]> {
    return this.settings.list();
  }

  @Patch(':name')
  @ApiOperation({
    summary: 'Change a background task setting',
    description:
      'Takes effect without a restart: the workers reconcile their schedules from the table within seconds.',
  })
  @ApiParam({ name: 'name', schema: { type: 'string', enum: TASK_NAMES } })
  @ApiBody({ schema: taskSettingRefs.update })
  @ApiOkResponse({ schema: taskSettingRefs.setting })
  @ApiBadRequestResponse({ schema: validationErrorResponseRef })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  update(
    @Param('name') name: string,
    @Body(new ZodValidationPipe(updateTaskSettingSchema)) input: UpdateTaskSettingInput,
  ): Promise<TaskSettingDto> {
    return this.settings.update(name, input);
  }
}
