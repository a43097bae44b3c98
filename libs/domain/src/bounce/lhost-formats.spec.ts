import { describe, expect, it } from 'vitest';

import type { BounceReason } from './bounce-verdict';
import { parseBounce } from './parse-bounce';

/**
 * Synthetic bounces (written for this test, example.* addresses only) in the text formats of MTAs and
 * providers that the public corpus does not show, laid out as those servers document or are known
 * to write them. Each case: the situation, the message, then the expected recipients with status,
 * reason and hard/soft, and which decoder read it.
 */
const mail = (headers: string[], body: string) =>
  Buffer.from([...headers, 'To: sender@example.org', '', body].join('\n'));

type Expect = [recipient: string, status: string | null, reason: BounceReason, hard: boolean];

const CASES: Array<[string, Buffer, Expect[], string]> = [
  [
    'Exchange 2007+ NDR text: RESOLVER.ADR.RecipNotFound',
    mail(
      [
        'From: Microsoft Exchange <postmaster@mail.example.org>',
        'Subject: Undeliverable: Quarterly figures',
        'Content-Language: en-US',
      ],
      "Delivery has failed to these recipients or groups:\n\ngone@example.com\nThe e-mail address you entered couldn't be found. Please check the recipient's e-mail address and try to resend the message.\n\n\nDiagnostic information for administrators:\n\nGenerating server: mail.example.org\n\ngone@example.com\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n\nOriginal message headers:\n\nReceived: from app.example.org (192.0.2.10) by mail.example.org\nSubject: Quarterly figures\n",
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'exchange2007',
  ],
  [
    'Exchange 2007+ NDR text: RESOLVER.RST.RecipSizeLimit is a per-recipient size limit',
    mail(
      ['From: postmaster@mail.example.org', 'Subject: Undeliverable: Scans', 'Content-Language: en-US'],
      "Delivery has failed to these recipients or groups:\n\nsmall@example.com\nThe message couldn't be delivered because it's too large.\n\nDiagnostic information for administrators:\n\nGenerating server: mail.example.org\n\nsmall@example.com\n#550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient ##\n\nOriginal message headers:\n\nSubject: Scans\n",
    ),
    [['small@example.com', '5.2.3', 'exceedlimit', false]],
    'exchange2007',
  ],
  [
    'Exchange 2007+ NDR text: QUEUE.Expired from a remote server',
    mail(
      ['From: postmaster@mail.example.org', 'Subject: Undeliverable: Hello', 'Content-Language: en-US'],
      "Delivery has failed to these recipients or groups:\n\nslow@example.com\nThe message couldn't be delivered in time.\n\nDiagnostic information for administrators:\n\nGenerating server: mail.example.org\n\nslow@example.com\nRemote Server at mx.example.com (192.0.2.3) returned '550 4.4.7 QUEUE.Expired; message expired'\n\nOriginal message headers:\n\nSubject: Hello\n",
    ),
    [['slow@example.com', '4.4.7', 'expired', false]],
    'exchange2007',
  ],
  [
    'Office 365 NDR text without a DSN part: 5.1.10 RecipientNotFound',
    mail(
      ['From: Microsoft Outlook <postmaster@contoso.onmicrosoft.com>', 'Subject: Undeliverable: Invoice 12'],
      "Your message to gone@example.com couldn't be delivered.\ngone wasn't found at example.com.\n\nAction Required\nUnknown To address\n\nDiagnostic information for administrators:\n\nGenerating server: AM0PR01MB0001.eurprd01.prod.exchangelabs.com\n\ngone@example.com\nRemote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'\n\nOriginal message headers:\n\nSubject: Invoice 12\n",
    ),
    [['gone@example.com', '5.1.10', 'userunknown', true]],
    'exchange2007',
  ],
  [
    'Zoho Mail: address, "Invalid Address" and ERROR_CODE fields on one line',
    mail(
      [
        'From: mailer-daemon@mx.zoho.example',
        'Subject: Undelivered Mail Returned to Sender',
        'X-ZohoMail: Si CHF_MF_NL SS_10 UW48',
      ],
      'This message was created automatically by mail delivery software.\nA message that you sent could not be delivered to one or more of its recipients. This is a permanent error.\n\ngone@example.com Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <gone@example.com>... User Unknown\n\nReceived: from app.example.org\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'zoho',
  ],
  [
    'Zoho Mail: "[Status: Error, ...] Host not reachable" is an expiry',
    mail(
      [
        'From: mailer-daemon@mx.zoho.example',
        'Subject: Undelivered Mail Returned to Sender',
        'X-ZohoMail: Si CHF_MF_NL SS_10 UW48',
      ],
      'This message was created automatically by mail delivery software.\nA message that you sent could not be delivered to one or more of its recipients. This is a temporary error.\n\n[Status: Error, Address: <far@example.com>, ResponseCode 421, , Host not reachable.]\n\nReceived: from app.example.org\n',
    ),
    [['far@example.com', null, 'expired', false]],
    'zoho',
  ],
  [
    'Sun/Oracle Messaging Server text: Recipient address / Reason / Diagnostic code',
    mail(
      [
        'From: Internet Mail Delivery <postmaster@ims.example.org>',
        'Subject: Delivery Notification: Delivery has failed',
      ],
      'This report relates to a message you sent with the following header fields:\n\n  Message-id: <0001@app.example.org>\n  Date: Mon, 01 Jun 2026 10:00:00 +0000\n  From: sender@example.org\n  To: gone@example.com\n  Subject: Hello\n\nYour message cannot be delivered to the following recipients:\n\n  Recipient address: gone@example.com\n  Original address: gone@example.com\n  Reason: Remote SMTP server has rejected address\n  Diagnostic code: smtp;550 5.1.1 unknown or illegal alias: gone@example.com\n  Remote system: dns;mx.example.com (TCP|192.0.2.2|25|192.0.2.1|25) (mx.example.com ESMTP)\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'messagingserver',
  ],
  [
    'Sun/Oracle Messaging Server text: illegal host/domain name',
    mail(
      [
        'From: Internet Mail Delivery <postmaster@ims.example.org>',
        'Subject: Delivery Notification: Delivery has failed',
      ],
      'This report relates to a message you sent with the following header fields:\n\n  Message-id: <0002@app.example.org>\n  Subject: Hello\n\nYour message cannot be delivered to the following recipients:\n\n  Recipient address: someone@nowhere.example\n  Reason: Illegal host/domain name found\n',
    ),
    [['someone@nowhere.example', null, 'hostunknown', true]],
    'messagingserver',
  ],
  [
    'Ipswitch IMail Server: "Unknown user: addr"',
    mail(
      ['From: postmaster@imail.example.org', 'Subject: Undeliverable Mail ', 'X-Mailer: <SMTP32 v8.22>'],
      'Unknown user: gone@example.com\n\nOriginal message follows.\n\nSubject: Hello\n',
    ),
    [['gone@example.com', null, 'userunknown', true]],
    'imailserver',
  ],
  [
    'Ipswitch IMail Server: mailbox over its allowed size',
    mail(
      ['From: postmaster@imail.example.org', 'Subject: Undeliverable Mail ', 'X-Mailer: <SMTP32 v8.22>'],
      'User mailbox exceeds allowed size: full@example.com\n\nOriginal message follows.\n',
    ),
    [['full@example.com', null, 'mailboxfull', false]],
    'imailserver',
  ],
  [
    'MailFoundry: "Unable to deliver message to:" then the remote answer',
    mail(
      [
        'From: MAILER-DAEMON@mf.example.org',
        'Subject: Message delivery has failed',
        'Received: from localhost (127.0.0.1) by mf.example.org (MAILFOUNDRY) id 0123abcd',
      ],
      'Unable to deliver message to: <gone@example.com>\nDelivery failed for the following reason:\nServer mx.example.com[192.0.2.1] failed with: 550 5.1.1 <gone@example.com> No such user here\n\nThis has been a permanent failure.  No further delivery attempts will be made.\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'mailfoundry',
  ],
  [
    'Active!hunter: ">>> addr" under the permanent-errors banner',
    mail(
      [
        'From: "MAILER-DAEMON" <postmaster@ah.example.org>',
        'Subject: FAILURE NOTICE :',
        'X-AHMAILID: 0123456789',
      ],
      '  ----- The following addresses had permanent fatal errors -----\n\n>>> gone@example.com <gone@example.com>\n\n  ----- Transcript of session follows -----\n550 sorry, no mailbox here by that name (#5.1.1 - chkusr)\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'activehunter',
  ],
  [
    'Trend Micro InterScan MSS: Sent <<< / Received >>> pair',
    mail(
      ['From: "InterScan MSS" <postmaster@imss.example.org>', 'Subject: Mail could not be delivered'],
      'Sent <<< RCPT TO:<gone@example.com>\nReceived >>> 550 5.1.1 <gone@example.com>... user unknown\n\nUnable to deliver message to <gone@example.com>.\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'interscanmss',
  ],
  [
    'Unknown MTA (X1 layout): "addr [reason]" after the delivery-errors banner',
    mail(
      [
        'From: "Mail Delivery System" <MAILER-DAEMON@x1.example.org>',
        'Subject: Returned Mail: Delivery failed',
      ],
      'The original message was received at Mon, 01 Jun 2026 10:00:00 +0900\nfrom sender@example.org\n\n---The following addresses had delivery errors---\n\nfull@example.com [Mailbox full]\n\nReceived: from app.example.org\n',
    ),
    [['full@example.com', null, 'mailboxfull', false]],
    'x1',
  ],
  [
    'Unknown MTA (X3 layout): "  * addr" and a "SMTP:RCPT host" line',
    mail(
      ['From: Mail Delivery System <postmaster@x3.example.org>', 'Subject: Delivery status notification'],
      '============================================================================\n      This is an automatically generated Delivery Status Notification.\n\nDelivery to the following recipients failed permanently:\n\n  * gone@example.com\n\n\n============================================================================\n                            Technical details:\n\nSMTP:RCPT host 192.0.2.8: 553 5.1.1 <gone@example.com>... No such user here\n\n\n============================================================================\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'x3',
  ],
  [
    'McAfee Email Gateway: "(Permanent)" after the address',
    mail(
      [
        'From: postmaster@mcafee.example.org',
        'Subject: Delivery Status',
        'X-NAI-Header: Modified by McAfee Email and Web Security Virtual Appliance',
      ],
      '--- The following addresses had delivery problems ---\n\n<gone@example.com>   (Permanent)\n\n  The remote server said: 550 5.1.1 <gone@example.com>... User unknown\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'mcafee',
  ],
  [
    'SendGrid text: "name:id:<addr> : ip : answer"',
    mail(
      [
        'From: "Mail Delivery System" <MAILER-DAEMON@sendgrid.example>',
        'Subject: Undelivered Mail Returned to Sender',
      ],
      "This is an automatically generated message from SendGrid.\n\nI'm sorry to have to tell you that your message was not able to be\ndelivered to one of its intended recipients.\n\nIf you require assistance with this, please contact SendGrid support.\n\nmarketing:123456:<gone@example.com> : 192.0.2.1 : 550 5.1.1 <gone@example.com>... User Unknown\n",
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'sendgrid',
  ],
  [
    'OpenSMTPD: "addr: answer" after the list-of-recipients sentence',
    mail(
      [
        'From: Mailer Daemon <MAILER-DAEMON@smtpd.example.org>',
        'Subject: Delivery status notification: error',
      ],
      'Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\n\nAn error has occurred while attempting to deliver a message for\nthe following list of recipients:\n\nfull@example.com: 552 5.2.2 <full@example.com>: Mailbox full\n\nBelow is a copy of the original message:\n',
    ),
    [['full@example.com', '5.2.2', 'mailboxfull', false]],
    'heuristic',
  ],
  [
    'mail.ru (Exim): the remote host refused the recipient at RCPT',
    mail(
      ['From: Mail Delivery System <MAILER-DAEMON@corp.mail.example>', 'Subject: Mail failure.'],
      'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  gone@example.com\n    SMTP error from remote mail server after RCPT TO:<gone@example.com>:\n    host mx.example.com [192.0.2.1]: 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown in local recipient table\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'exim',
  ],
  [
    'Exim: unrouteable address is an unknown host',
    mail(
      [
        'From: Mail Delivery System <Mailer-Daemon@mx.example.org>',
        'Subject: Mail delivery failed: returning message to sender',
      ],
      'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  someone@nowhere.example\n    Unrouteable address\n',
    ),
    [['someone@nowhere.example', null, 'hostunknown', true]],
    'exim',
  ],
  [
    'Exim: message rejected as spam after end of data',
    mail(
      [
        'From: Mail Delivery System <Mailer-Daemon@mx.example.org>',
        'Subject: Mail delivery failed: returning message to sender',
      ],
      'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  reader@example.com\n    host mx.example.com [192.0.2.1]\n    SMTP error from remote mail server after end of data:\n    550 5.7.1 Message rejected as spam by content filtering\n',
    ),
    [['reader@example.com', '5.7.1', 'spamdetected', false]],
    'exim',
  ],
  [
    '1&1 (EinsUndEins): "SMTP error from remote server for RCPT TO command"',
    mail(
      [
        'From: Mail Delivery System <mailer-daemon@mout.example.net>',
        'Subject: Mail delivery failed: returning message to sender',
      ],
      'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of\nits recipients. This is a permanent error. The following address\nfailed:\n\ngone@example.com:\nSMTP error from remote server for RCPT TO command, host: mx.example.com (192.0.2.1) reason: 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'einsundeins',
  ],
  [
    'Postfix text: host not found for the recipient domain',
    mail(
      [
        'From: MAILER-DAEMON@mx.example.org (Mail Delivery System)',
        'Subject: Undelivered Mail Returned to Sender',
      ],
      "This is the mail system at host mx.example.org.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<someone@nowhere.example>: Host or domain name not found. Name service error\n    for name=nowhere.example type=A: Host not found\n",
    ),
    [['someone@nowhere.example', null, 'hostunknown', true]],
    'heuristic',
  ],
  [
    'Postfix text: local delivery over quota',
    mail(
      [
        'From: MAILER-DAEMON@mx.example.org (Mail Delivery System)',
        'Subject: Undelivered Mail Returned to Sender',
      ],
      "This is the mail system at host mx.example.org.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<full@example.org>: maildir delivery failed: Sorry, the user's maildir has\n    overdrawn his diskspace quota, please try again later.\n",
    ),
    [['full@example.org', null, 'mailboxfull', false]],
    'heuristic',
  ],
  [
    'Sendmail: host unknown (name server: host not found)',
    mail(
      [
        'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>',
        'Subject: Returned mail: see transcript for details',
      ],
      'The original message was received at Mon, 1 Jun 2026 10:00:00 +0000\nfrom app.example.org [192.0.2.10]\n\n   ----- The following addresses had permanent fatal errors -----\n<someone@nowhere.example>\n    (reason: 550 Host unknown)\n\n   ----- Transcript of session follows -----\n550 5.1.2 <someone@nowhere.example>... Host unknown (Name server: nowhere.example: host not found)\n',
    ),
    [['someone@nowhere.example', '5.1.2', 'hostunknown', true]],
    'sendmail',
  ],
  [
    'Sendmail warning: deferred after a connection timeout is an expiry, not a hard bounce',
    mail(
      [
        'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>',
        'Subject: Warning: could not send message for past 4 hours',
      ],
      '    **********************************************\n    **      THIS IS A WARNING MESSAGE ONLY      **\n    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n    **********************************************\n\nThe original message was received at Mon, 1 Jun 2026 10:00:00 +0000\n\n   ----- Transcript of session follows -----\nslow@example.com... Deferred: Connection timed out with mx.example.com.\nWarning: message still undelivered after 4 hours\nWill keep trying until message is 5 days old\n',
    ),
    [['slow@example.com', null, 'expired', false]],
    'sendmail',
  ],
  [
    'Mimecast: "-- addr" and the remote answer on a later "--" line',
    mail(
      [
        'From: Postmaster <postmaster@mimecast.example>',
        'Subject: [Postmaster] Email Delivery Failure',
        'Message-ID: <0123-45@eu-mta-1.eu.mimecast.lan>',
      ],
      'An email that you attempted to send to the following address could not be delivered:\n-- gone@example.com\n\nThe problem appears to be :\n-- Recipient email address is possibly incorrect\n\nAdditional information follows :\n-- 550 5.1.1 <gone@example.com>... User unknown\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'mimecast',
  ],
  [
    'T-Online (Smail fork): " <addr>" then the answer under "Failed addresses follow"',
    mail(
      [
        'From: Mail Delivery System <Mailer-Daemon@t-online.example>',
        'Subject: mail failed, returning to sender',
      ],
      '|------------------------- Failed addresses follow: ---------------------|\n <full@t-online.example>\n   552 5.2.2 <full@t-online.example> Quota exceeded (mailbox for user is full)\n\n|------------------------- Message header follows: ----------------------|\nReceived: from app.example.org\n',
    ),
    [['full@t-online.example', '5.2.2', 'mailboxfull', false]],
    'smail',
  ],
  [
    'Smail 3: " addr ... failed: unknown host"',
    mail(
      ['From: MAILER-DAEMON@smail.example.org', 'Subject: mail failed, returning to sender'],
      '|------------------------- Message log follows: -------------------------|\nno valid recipients were found for this message\n|------------------------- Failed addresses follow: ---------------------|\n someone@nowhere.example ... failed: unknown host\n|------------------------- Message text follows: ------------------------|\n',
    ),
    [['someone@nowhere.example', null, 'hostunknown', true]],
    'smail',
  ],
  [
    'GMX: "<addr>" then "Reason: delivery retry timeout exceeded"',
    mail(
      [
        'From: "Mail Delivery System" <mailer-daemon@gmx.example>',
        'Subject: Mail delivery failed: returning message to sender',
        'X-GMX-Antispam: 0 (Mail was not recognized as spam)',
      ],
      'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of\nits recipients. This is a permanent error. The following address\nfailed:\n\n<slow@example.com>\n\nReason:\ndelivery retry timeout exceeded\n\n--- The header of the original message is following. ---\n',
    ),
    [['slow@example.com', null, 'expired', false]],
    'exim',
  ],
  [
    'Courier DSN: "No such domain." with the >>> RCPT transcript in the text part',
    Buffer.from(
      [
        'From: Courier mail server at mx.example.org <@>',
        'To: sender@example.org',
        'Subject: NOTICE: mail delivery status.',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="=_courier_0"',
        '',
        '--=_courier_0',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'This is a delivery status notification from mx.example.org,',
        'running the Courier mail server, version 1.1.',
        '',
        '                          UNDELIVERABLE MAIL',
        '',
        'Your message to the following recipients cannot be delivered:',
        '',
        '<someone@nowhere.example>:',
        '    No such domain.',
        '',
        '--=_courier_0',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.org',
        '',
        'Final-Recipient: rfc822; someone@nowhere.example',
        'Action: failed',
        'Status: 5.0.0',
        'Diagnostic-Code: unknown; No such domain.',
        '',
        '--=_courier_0--',
        '',
      ].join('\n'),
    ),
    [['someone@nowhere.example', '5.0.0', 'hostunknown', true]],
    'rfc3464',
  ],
  [
    'Lotus Domino: "not listed in Domino Directory"',
    mail(
      [
        'From: Postmaster <postmaster@domino.example.org>',
        'Subject: DELIVERY FAILURE: User gone (gone@example.com) not listed in Domino Directory',
      ],
      'Your message\n\n  Subject: Hello\n\nwas not delivered to:\n\n  gone@example.com\n\nbecause:\n\n  User gone (gone@example.com) not listed in Domino Directory\n',
    ),
    [['gone@example.com', null, 'userunknown', true]],
    'domino',
  ],
  [
    'qmail: mailbox full at the remote host',
    mail(
      ['From: MAILER-DAEMON@qmail.example.org', 'Subject: failure notice'],
      "Hi. This is the qmail-send program at qmail.example.org.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<full@example.com>:\n192.0.2.1 does not like recipient.\nRemote host said: 552 5.2.2 Mailbox full\nGiving up on 192.0.2.1.\n\n--- Below this line is a copy of the message.\n",
    ),
    [['full@example.com', '5.2.2', 'mailboxfull', false]],
    'qmail',
  ],
  [
    'Postfix text: connection timed out in a "delayed mail" warning',
    mail(
      [
        'From: MAILER-DAEMON@mx.example.org (Mail Delivery System)',
        'Subject: Delayed Mail (still being retried)',
      ],
      'This is the mail system at host mx.example.org.\n\n####################################################################\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n####################################################################\n\nYour message could not be delivered for more than 4 hour(s).\nIt will be retried until it is 5 day(s) old.\n\n<slow@example.com>: connect to mx.example.com[192.0.2.1]:25: Connection timed\n    out\n',
    ),
    [['slow@example.com', null, 'expired', false]],
    'heuristic',
  ],
  [
    'amavisd-new: DSN fields written in its single text part',
    mail(
      [
        'From: "Content-filter at mx.example.org" <postmaster@mx.example.org>',
        'Subject: Undeliverable mail, MTA-BLOCKED',
      ],
      'The message WAS NOT relayed to:\n<gone@example.com>:\n   550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown in local recipient table\n\nReporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; gone@example.com\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'rfc3464-text',
  ],
  [
    'Exchange 2007+ NDR text with two recipients: unknown user and mailbox full',
    mail(
      ['From: postmaster@mail.example.org', 'Subject: Undeliverable: Minutes', 'Content-Language: en-US'],
      'Delivery has failed to these recipients or groups:\n\ngone@example.com\nfull@example.com\n\nDiagnostic information for administrators:\n\nGenerating server: mail.example.org\n\ngone@example.com\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n\nfull@example.com\nmx.example.com #552 5.2.2 mailbox full ##\n\nOriginal message headers:\n\nSubject: Minutes\n',
    ),
    [
      ['gone@example.com', '5.1.1', 'userunknown', true],
      ['full@example.com', '5.2.2', 'mailboxfull', false],
    ],
    'exchange2007',
  ],
  [
    'Zoho Mail with two failed recipients',
    mail(
      [
        'From: mailer-daemon@mx.zoho.example',
        'Subject: Undelivered Mail Returned to Sender',
        'X-ZohoMail: Si CHF_MF_NL SS_10 UW48',
      ],
      'This message was created automatically by mail delivery software.\nA message that you sent could not be delivered to one or more of its recipients. This is a permanent error.\n\ngone@example.com Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <gone@example.com>... User Unknown\nfull@example.net Invalid Address, ERROR_CODE :552, ERROR_CODE :5.2.2 Mailbox full\n',
    ),
    [
      ['gone@example.com', '5.1.1', 'userunknown', true],
      ['full@example.net', '5.2.2', 'mailboxfull', false],
    ],
    'zoho',
  ],
  [
    'Verizon (vtext) gateway: "Error:" line and the envelope under "Message details:"',
    mail(
      ['From: post_master@vtext.example', 'Subject: Undeliverable Message'],
      'Error: 550 - Requested action not taken: no such user here\n\nMessage details:\n  Subject: Hello\n  Sent date: Mon Jun 01 10:00:00 GMT 2026\n  MAIL FROM: sender@example.org\n  RCPT TO: 5555550100@vtext.example\n  From: sender@example.org\n',
    ),
    [['5555550100@vtext.example', null, 'userunknown', true]],
    'verizon',
  ],
  [
    'm-FILTER: address line, then "-------server message" and "-------SMTP command"',
    mail(
      ['From: MAILER-DAEMON@mfilter.example.org', 'Subject: failure notice', 'X-Mailer: m-FILTER'],
      'This mail was generated by m-FILTER.\n\nThe message could not be sent to:\ngone@example.com\n\n\n-------server message\n550 5.1.1 unknown user <gone@example.com>\n\n-------SMTP command\nRCPT\n\n-------original message\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'mfilter',
  ],
  [
    'Unknown MTA (X6 layout): "SMTP Server <host> rejected recipient <addr> ... [answer]"',
    mail(
      ['From: Mail Delivery <postmaster@x6.example.org>', 'Subject: There was an error sending your mail'],
      "We had trouble delivering your message. Full details follow:\n\nSubject: 'Hello'\nDate: 'Mon, 01 Jun 2026 10:00:00 +0000'\n\n1 error(s):\n\nSMTP Server <mx.example.com> rejected recipient <gone@example.com> (Error following RCPT command). It responded as follows: [550 5.1.1 User unknown]\n\nThe attachment contains the original mail headers\n",
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'x6',
  ],
  [
    'BIGLOBE layout: "had delivery problems" / "Non-delivered information"',
    mail(
      ['From: postmaster@mail.example.ne.jp', 'Subject: Returned mail: Delivery failed'],
      "   ----- The following addresses had delivery problems -----\nfull@example.ne.jp\n\n   ----- Non-delivered information -----\nThe number of messages in recipient's mailbox exceeded the local limit.\n",
    ),
    [['full@example.ne.jp', null, 'mailboxfull', false]],
    'biglobe',
  ],
  [
    'Postfix text: two recipients, unknown user and spam refusal after end of DATA',
    mail(
      [
        'From: MAILER-DAEMON@mx.example.org (Mail Delivery System)',
        'Subject: Undelivered Mail Returned to Sender',
      ],
      "This is the mail system at host mx.example.org.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<gone@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1\n    <gone@example.com>: Recipient address rejected: User unknown in virtual mailbox\n    table (in reply to RCPT TO command)\n\n<reader@example.net>: host mx.example.net[192.0.2.2] said: 554 5.7.1 Message\n    rejected as spam (in reply to end of DATA command)\n",
    ),
    [
      ['gone@example.com', '5.1.1', 'userunknown', true],
      ['reader@example.net', '5.7.1', 'spamdetected', false],
    ],
    'heuristic',
  ],
  [
    'Postfix text: sender refused at MAIL FROM is a rejection of us, not of the address',
    mail(
      [
        'From: MAILER-DAEMON@mx.example.org (Mail Delivery System)',
        'Subject: Undelivered Mail Returned to Sender',
      ],
      "This is the mail system at host mx.example.org.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<reader@example.com>: host mx.example.com[192.0.2.1] said: 553 5.7.1\n    <sender@example.org>: Sender address rejected: not owned by user (in reply\n    to MAIL FROM command)\n",
    ),
    [['reader@example.com', '5.7.1', 'rejected', false]],
    'heuristic',
  ],
  [
    'Postfix text: relay access denied at RCPT',
    mail(
      [
        'From: MAILER-DAEMON@mx.example.org (Mail Delivery System)',
        'Subject: Undelivered Mail Returned to Sender',
      ],
      "This is the mail system at host mx.example.org.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<reader@example.com>: host mx.example.com[192.0.2.1] said: 554 5.7.1\n    <reader@example.com>: Relay access denied (in reply to RCPT TO command)\n",
    ),
    [['reader@example.com', '5.7.1', 'norelaying', false]],
    'heuristic',
  ],
  [
    'Exim: quota exceeded for a local mailbox',
    mail(
      [
        'From: Mail Delivery System <Mailer-Daemon@mx.example.org>',
        'Subject: Mail delivery failed: returning message to sender',
      ],
      'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  full@example.org\n    mailbox is full: retry timeout exceeded\n',
    ),
    [['full@example.org', null, 'mailboxfull', false]],
    'exim',
  ],
  [
    'Exim: remote RBL refusal at the greeting',
    mail(
      [
        'From: Mail Delivery System <Mailer-Daemon@mx.example.org>',
        'Subject: Mail delivery failed: returning message to sender',
      ],
      'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  reader@example.com\n    SMTP error from remote mail server after initial connection:\n    host mx.example.com [192.0.2.1]: 554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org\n',
    ),
    [['reader@example.com', '5.7.1', 'blocked', false]],
    'exim',
  ],
  [
    'Sendmail: two recipients, one unknown and one with a full mailbox',
    mail(
      [
        'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>',
        'Subject: Returned mail: see transcript for details',
      ],
      '   ----- The following addresses had permanent fatal errors -----\n<gone@example.com>\n<full@example.com>\n\n   ----- Transcript of session follows -----\n... while talking to mx.example.com.:\n>>> RCPT To:<gone@example.com>\n<<< 550 5.1.1 <gone@example.com>... User unknown\n550 5.1.1 <gone@example.com>... User unknown\n>>> RCPT To:<full@example.com>\n<<< 552 5.2.2 <full@example.com>... Mailbox full\n552 5.2.2 <full@example.com>... Mailbox full\n',
    ),
    [
      ['gone@example.com', '5.1.1', 'userunknown', true],
      ['full@example.com', '5.2.2', 'mailboxfull', false],
    ],
    'sendmail',
  ],
  [
    '1&1: "For the following reason: Mail size limit exceeded"',
    mail(
      [
        'From: "Mail Delivery System" <mailer-daemon@mout.example.net>',
        'Subject: Mail delivery failed: returning message to sender',
      ],
      'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of\nits recipients. This is a permanent error. The following address\nfailed:\n\nbig@example.com\n\nFor the following reason:\n\nMail size limit exceeded. For explanation visit\nhttp://postmaster.example.net/en/error-messages?ip=%1s\n\n--- The header of the original message is following. ---\n',
    ),
    [['big@example.com', null, 'mesgtoobig', false]],
    'einsundeins',
  ],
  [
    '1&1: Orange refused the body ("for TEXT command") with its own ofr_506 spam code',
    mail(
      [
        'From: "Mail Delivery System" <mailer-daemon@mout.example.net>',
        'Subject: Mail delivery failed: returning message to sender',
      ],
      'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of\nits recipients. This is a permanent error. The following address\nfailed:\n\nreader@example.fr:\nSMTP error from remote server for TEXT command, host: smtp-in.orange.fr (192.0.2.65) reason: 550 5.2.0 Mail rejete. Mail rejected. ofr_506 [506]\n\n--- The header of the original message is following. ---\n',
    ),
    [['reader@example.fr', '5.2.0', 'spamdetected', false]],
    'einsundeins',
  ],
  [
    'Websense SurfControl: "Failed to send to identified host," then "addr: [ip], answer"',
    mail(
      [
        'From: postmaster@sef.example.org',
        'Subject: Delivery Failure',
        'X-SEF-Processed: 5_0_0_910__2026_06_01_10_00_00',
      ],
      'Your message could not be sent.\nA transcript of the attempts to send the message follows.\nThe number of attempts made: 1\nAddressed To: gone@example.com\n\nMon 01 Jun 2026 10:00:00 +0000\nFailed to send to identified host,\ngone@example.com: [192.0.2.5], 550 5.1.1 gone@example.com... No such user\n--- Message non-deliverable.\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'surfcontrol',
  ],
  [
    'Exchange Online newer layout: "Original Message Details" with Recipient Address, then "Error Details"',
    mail(
      ['From: Microsoft Outlook <postmaster@contoso.onmicrosoft.com>', 'Subject: Undeliverable: Hello'],
      "Your message to gone@example.com couldn't be delivered.\n\nOriginal Message Details\nCreated Date:   6/1/2026 10:00:00 AM\nSender Address: sender@example.org\nRecipient Address:      gone@example.com\nSubject:        Hello\n\nError Details\nReported error:  550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup\nDSN generated by:       AM0PR01MB0001.eurprd01.prod.exchangelabs.com\n",
    ),
    [['gone@example.com', '5.1.10', 'userunknown', true]],
    'exchange2007',
  ],
  [
    'au EZweb: "The user(s) account is temporarily over quota" before the address line',
    mail(
      [
        'From: <Postmaster@mobile.example.ne.jp>',
        'Subject: Mail System Error - Returned Mail',
        'Received: from ezweb.ne.jp (EZweb Mail) with ESMTP id 0123',
      ],
      'The user(s) account is temporarily over quota.\n\n<full@example.ne.jp>: 552 mailbox full (in reply to RCPT TO command)\n\n--------------------------------------------------\n',
    ),
    [['full@example.ne.jp', null, 'mailboxfull', false]],
    'ezweb',
  ],
  [
    'au EZweb: a remote server refused the recipient ("Recipient: <addr>" and a transcript)',
    mail(
      [
        'From: <Postmaster@mobile.example.ne.jp>',
        'Subject: Mail System Error - Returned Mail',
        'Received: from ezweb.ne.jp (EZweb Mail) with ESMTP id 0123',
      ],
      'Each of the following recipients was rejected by a remote\nmail server.\n\n    Recipient: <gone@example.com>\n    >>> RCPT TO:<gone@example.com>\n    <<< 550 5.1.1 <gone@example.com>: User unknown\n',
    ),
    [['gone@example.com', '5.1.1', 'userunknown', true]],
    'ezweb',
  ],
  [
    'au EZweb: X-SPASIGN NG marks its own spam filter',
    mail(
      [
        ...[
          'From: <Postmaster@mobile.example.ne.jp>',
          'Subject: Mail System Error - Returned Mail',
          'Received: from ezweb.ne.jp (EZweb Mail) with ESMTP id 0123',
        ],
        'X-SPASIGN: NG',
      ],
      '<reader@example.ne.jp>: 550 user unknown\n',
    ),
    [['reader@example.ne.jp', null, 'filtered', false]],
    'ezweb',
  ],
  [
    'au by KDDI (older layout): "Could not be delivered to: <addr>" / "As their mailbox is full."',
    mail(
      [
        'From: no-reply@.mobile.example.ne.jp',
        'Subject: Returned mail',
        'Received: from ezweb.ne.jp (mx01.ezweb.ne.jp [192.0.2.9])',
      ],
      'Your mail sent on: Mon, 01 Jun 2026 10:00:00 +0900\n    Could not be delivered to: <full@example.ne.jp>\n    As their mailbox is full.\n',
    ),
    [['full@example.ne.jp', null, 'mailboxfull', false]],
    'kddi',
  ],
];

describe('parseBounce on the text formats of further MTAs and providers', () => {
  it.each(CASES)('%s', (_situation, raw, expected, decodedBy) => {
    const verdict = parseBounce(raw);
    expect(verdict.kind).toBe('bounce');
    expect(verdict.recipients.map((r) => [r.recipient, r.status, r.reason, r.hardBounce])).toEqual(expected);
    expect(verdict.decodedBy).toBe(decodedBy);
  });
});

describe('the new format readers leave ordinary mail alone', () => {
  it.each<[string, Buffer]>([
    [
      'a person writing about an "Undeliverable" parcel, with a Content-Language header',
      mail(
        [
          'From: Anna <anna@example.com>',
          'Subject: Undeliverable: the parcel came back',
          'Content-Language: en-US',
        ],
        'Hi,\n\nthe courier says the parcel was undeliverable. Can you check the address?\n\nDiagnostic information for administrators: none, this is just me.\n\nAnna\n',
      ),
    ],
    [
      'a SendGrid-sent newsletter that mentions SendGrid',
      mail(
        ['From: News <news@example.com>', 'Subject: Our June news'],
        'This is an automatically generated message from SendGrid on behalf of Example News.\n\nRead more at https://news.example.com\n',
      ),
    ],
    [
      'an InterScan quarantine digest without a delivery transcript',
      mail(
        ['From: "InterScan MSS" <imss@example.org>', 'Subject: Quarantine digest'],
        'The InterScan Messaging Security Suite quarantined 2 messages for you today.\nReview them at https://imss.example.org\n',
      ),
    ],
    [
      'a Zoho user mail (X-ZohoMail header) that is not a bounce',
      mail(
        ['From: Ben <ben@example.com>', 'Subject: Lunch?', 'X-ZohoMail: Si CHF_MF_NL SS_10 UW48'],
        'Lunch at noon? ben@example.com will book a table.\n',
      ),
    ],
  ])('%s', (_situation, raw) => {
    expect(parseBounce(raw).kind).toBe('not-bounce');
  });
});
