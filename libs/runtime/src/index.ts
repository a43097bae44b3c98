export * from './app-config.provider';
export * from './bootstrap-service';
export * from './database.module';
export * from './logger.module';
export * from './observability.module';
export * from './queues.module';
export * from './rpc-transport';
export { PeriodicPass } from './periodic-pass';
