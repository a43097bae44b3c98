import { describe, expect, it } from 'vitest';

import { splitQuotedReply } from './quoted-reply';

const text = (...lines: string[]): string => lines.join('\n');

describe('splitQuotedReply', () => {
  it.each([
    [
      'Gmail "On ... wrote:" above ">" lines',
      text(
        'Still broken.',
        '',
        'On Tue, 14 May 2024 at 09:00, Helpdesk <support@example.com> wrote:',
        '> Did you restart it?',
      ),
      'Still broken.',
      text('On Tue, 14 May 2024 at 09:00, Helpdesk <support@example.com> wrote:', '> Did you restart it?'),
    ],
    [
      'an attribution wrapped over two lines',
      text(
        'Thanks!',
        '',
        'On Tue, 14 May 2024 at 09:00, Helpdesk Team <',
        'support@example.com> wrote:',
        '> Hello',
      ),
      'Thanks!',
      text('On Tue, 14 May 2024 at 09:00, Helpdesk Team <', 'support@example.com> wrote:', '> Hello'),
    ],
    [
      'Outlook "-----Original Message-----"',
      text(
        'It is still jammed.',
        '',
        '-----Original Message-----',
        'From: Helpdesk',
        'Sent: Monday',
        'Subject: x',
      ),
      'It is still jammed.',
      text('-----Original Message-----', 'From: Helpdesk', 'Sent: Monday', 'Subject: x'),
    ],
    [
      'Outlook header block without a separator line',
      text(
        'See below.',
        '',
        'From: Helpdesk <support@example.com>',
        'Sent: Monday, May 13, 2024 9:00 AM',
        'To: Alice',
        'Subject: Printer',
      ),
      'See below.',
      text(
        'From: Helpdesk <support@example.com>',
        'Sent: Monday, May 13, 2024 9:00 AM',
        'To: Alice',
        'Subject: Printer',
      ),
    ],
    [
      'German Outlook header block (Von / Gesendet / Betreff)',
      text(
        'Danke.',
        '',
        'Von: Helpdesk',
        'Gesendet: Montag, 13. Mai 2024 09:00',
        'An: Alice',
        'Betreff: Drucker',
      ),
      'Danke.',
      text('Von: Helpdesk', 'Gesendet: Montag, 13. Mai 2024 09:00', 'An: Alice', 'Betreff: Drucker'),
    ],
    [
      'French Outlook header block with a space before the colon',
      text(
        'Merci.',
        '',
        'De : Helpdesk',
        'Envoyé : lundi 13 mai 2024 09:00',
        'À : Alice',
        'Objet : Imprimante',
      ),
      'Merci.',
      text('De : Helpdesk', 'Envoyé : lundi 13 mai 2024 09:00', 'À : Alice', 'Objet : Imprimante'),
    ],
    [
      'German "Ursprüngliche Nachricht" separator',
      text('Geht wieder.', '-----Ursprüngliche Nachricht-----', 'Von: Helpdesk'),
      'Geht wieder.',
      text('-----Ursprüngliche Nachricht-----', 'Von: Helpdesk'),
    ],
    [
      'German Apple Mail "Am ... schrieb ...:"',
      text('Passt.', '', 'Am 14.05.2024 um 09:00 schrieb Helpdesk <support@example.com>:', '> Frage'),
      'Passt.',
      text('Am 14.05.2024 um 09:00 schrieb Helpdesk <support@example.com>:', '> Frage'),
    ],
    [
      'French "Le ... a écrit :"',
      text('Oui.', 'Le mar. 14 mai 2024 à 09:00, Helpdesk <support@example.com> a écrit :', '> Question'),
      'Oui.',
      text('Le mar. 14 mai 2024 à 09:00, Helpdesk <support@example.com> a écrit :', '> Question'),
    ],
    [
      'Chinese "写道："',
      text('好的。', '', '在 2024年5月14日 09:00，Helpdesk 写道：', '> 问题'),
      '好的。',
      text('在 2024年5月14日 09:00，Helpdesk 写道：', '> 问题'),
    ],
    [
      'bottom posting: quote first, answer below',
      text('> Did you restart it?', '> It helps.', '', 'Yes, twice.'),
      'Yes, twice.',
      text('> Did you restart it?', '> It helps.'),
    ],
    [
      'inline answers between quoted lines',
      text('On Mon, Helpdesk wrote:', '> Model?', 'HP 4000', '> Floor?', '3'),
      text('HP 4000', '3'),
      text('> Model?', '> Floor?'),
    ],
  ])('%s', (_situation, input, newText, quotedText) => {
    expect(splitQuotedReply(input)).toEqual({ newText, quotedText });
  });

  it.each([
    ['a message without quotes', 'Printer on floor 3 is jammed.\nPlease help.'],
    [
      'a "From:" line that is not a header block',
      'From: the printer on floor 3 comes a noise.\nPlease check.',
    ],
    ['a sentence ending in "wrote" without a colon', 'My colleague wrote\nthe report yesterday.'],
  ])('keeps all of %s as new text', (_situation, input) => {
    expect(splitQuotedReply(input)).toEqual({ newText: input, quotedText: null });
  });

  it('normalises CRLF and gives no quote for an empty text', () => {
    expect(splitQuotedReply('New\r\n> old')).toEqual({ newText: 'New', quotedText: '> old' });
    expect(splitQuotedReply(null)).toEqual({ newText: '', quotedText: null });
  });
});
