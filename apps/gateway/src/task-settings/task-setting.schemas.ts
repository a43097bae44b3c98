import { BackgroundTaskName } from '@twe/persistence';
import { z } from 'zod';

import { apiSchema } from '../common/openapi-registry';

export const TASK_NAMES = Object.values(BackgroundTaskName) as [BackgroundTaskName, ...BackgroundTaskName[]];

export const TASK_LABELS: Record<BackgroundTaskName, string> = {
  [BackgroundTaskName.EmailProcessing]: 'Email Processing Task',
  [BackgroundTaskName.EmailSending]: 'Email Sending Task',
};

export const updateTaskSettingSchema = z.strictObject({
  intervalSeconds: z
    .int()
    .min(5)
    .max(7 * 24 * 3600)
    .optional()
    .meta({ description: 'Seconds between runs (5 s to 7 days).', example: 600 }),
  enabled: z.boolean().optional(),
});
export type UpdateTaskSettingInput = z.output<typeof updateTaskSettingSchema>;

export const taskSettingResponseSchema = z.object({
  name: z.enum(TASK_NAMES),
  label: z.string(),
  intervalSeconds: z.int(),
  enabled: z.boolean(),
  updatedAt: z.iso.datetime(),
});
export type TaskSettingDto = z.infer<typeof taskSettingResponseSchema>;

export const taskSettingRefs = {
  update: apiSchema('TaskSettingUpdate', updateTaskSettingSchema, 'input'),
  setting: apiSchema('TaskSetting', taskSettingResponseSchema, 'output'),
};
