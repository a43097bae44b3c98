export { findDovecotBinary, startDovecot } from './dovecot';
export type { DovecotOptions, DovecotServer, DovecotUser } from './dovecot';
export { fixturesDir, mailExpectations, readMailFixture } from './fixtures';
export type { MailExpectation, TicketTagExpectation } from './fixtures';
export { freePort, freePorts, isPortOpen, waitForPort } from './free-port';
export { deleteRedisKeys, testRedisUrl, uniqueQueuePrefix } from './redis-prefix';
export { startSmtpSink } from './smtp-sink';
export type { ReceivedMail, SmtpSink, SmtpSinkOptions } from './smtp-sink';
export { createTestDatabase, dropStaleTestDatabases, pgAdminUrl } from './test-database';
export type { TestDatabase } from './test-database';
export { generateMessages } from './message-generator';
export type { GeneratedMessage, GenerateOptions } from './message-generator';
export {
  MAILBOX_PASSWORD,
  REDMINE_ADDRESS,
  REDMINE_ADMIN,
  startPipelineScenario,
  SUPPORT_ADDRESS,
  SUPPORT_ADMIN,
  SUPPORT_FORWARD,
} from './pipeline-scenario';
export type { PipelineScenario, ScenarioOptions } from './pipeline-scenario';
export { launchServices, repoRoot, SERVICE_NAMES } from './service-launcher';
export type { LaunchOptions, RunningSystem, ServiceName } from './service-launcher';
export { buildAutoReply, buildDeliveryStatusNotification } from './bounce-messages';
export type { AutoReplyOptions, DsnOptions } from './bounce-messages';
export { startFaultProxy } from './fault-proxy';
export type { FaultProxy } from './fault-proxy';
export { dropIntoMaildir } from './maildir';
export { composeMail } from './compose-mail';
export type { ComposeOptions } from './compose-mail';
export { startFakeIdentityProvider } from './fake-identity-provider';
export type {
  FakeIdentityProvider,
  FakeIdentityProviderOptions,
  IdentityProviderCounters,
} from './fake-identity-provider';
export { captureProcessOutput, readRedisKeysAsText } from './output-capture';
export type { OutputCapture } from './output-capture';
