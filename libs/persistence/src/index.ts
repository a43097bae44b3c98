export * from './entities';
export * from './orm-config';
export * from './schema-status';
export { migrationsList } from './migrations';
export { migrateCommand } from './migrate';
export * from './bounces/bounce-store';
