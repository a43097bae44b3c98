// Moved to @twe/domain (the gateway builds the same notifications when it reassigns a ticket).
export { formatMailbox, newMessageId, notificationText, replyReferences } from '@twe/domain';
