import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

export const BackgroundTaskName = {
  EmailProcessing: 'email-processing',
  EmailSending: 'email-sending',
} as const;
export type BackgroundTaskName = (typeof BackgroundTaskName)[keyof typeof BackgroundTaskName];

/** Settings staff change at run time (interval, enabled) without a restart. */
@Entity({ tableName: 'background_task_setting' })
export class BackgroundTaskSetting {
  @PrimaryKey({ type: 'string', length: 60 })
  name: BackgroundTaskName;

  @Property({ type: 'integer' })
  intervalSeconds: number;

  @Property({ type: 'boolean', default: true })
  enabled: boolean = true;

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  constructor(name: BackgroundTaskName, intervalSeconds: number) {
    this.name = name;
    this.intervalSeconds = intervalSeconds;
  }
}
