import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { mailboxTestConnectionRequest, RpcPattern, type MailboxTestConnectionReply } from '@twe/queues';

import { MailboxConnectionTestService } from './mailbox-connection-test.service';

/** Answers the gateway's "test connection" here, where fetching runs (same network, same CA files). */
@Controller()
export class MailboxConnectionTestController {
  constructor(private readonly service: MailboxConnectionTestService) {}

  @MessagePattern(RpcPattern.MailboxTestConnection)
  test(@Payload() data: unknown): Promise<MailboxTestConnectionReply> {
    const { mailboxId } = mailboxTestConnectionRequest.parse(data);
    return this.service.test(mailboxId);
  }
}
