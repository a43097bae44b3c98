import { appEnvSchema, loadConfig, type AppConfig } from '@twe/config';

/** Injection token of the validated AppConfig (`@Inject(APP_CONFIG) config: AppConfig`). */
export const APP_CONFIG = Symbol('APP_CONFIG');

let cachedConfig: AppConfig | undefined;

/** Validated once per process, before Nest starts (bootstrapService calls it first). */
export function appConfig(): AppConfig {
  cachedConfig ??= loadConfig(appEnvSchema);
  return cachedConfig;
}

export const appConfigProvider = { provide: APP_CONFIG, useFactory: appConfig };
