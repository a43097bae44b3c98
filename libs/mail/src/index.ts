export * from './parse-message';
export * from './smtp-transport';
export * from './fetch-types';
export * from './imap-error';
export * from './imap-connection';
export * from './imap-fetch';
export * from './oauth';
