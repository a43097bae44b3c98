export * from './queue-names';
export * from './job-payloads';
export * from './ingest-payload';
export * from './job-options';
export * from './queue-connection';
export * from './producers';
export * from './requeue';
export * from './rpc-patterns';
