/** A reply's text cut into what the sender wrote now and the history it quotes. */
export interface QuotedReplySplit {
  /** What the sender wrote in this message (quoted lines and attribution removed). */
  newText: string;
  /** The quoted history (from the attribution or separator on), or null when there is none. */
  quotedText: string | null;
}

// "On <date>, <name> wrote:" in the languages of our users' mail clients (Gmail, Apple Mail,
// Thunderbird). The line may be wrapped, so two joined lines are tried too.
const ATTRIBUTION = [
  /^On\b.{4,300}\bwrote:$/i,
  /^Am\b.{4,300}\bschrieb\b.{0,100}:$/i,
  /^Le\b.{4,300}\ba [ée]crit\s?:$/i,
  /^El\b.{4,300}\bescribi[óo]\s?:$/i,
  /^Em\b.{4,300}\bescreveu\s?:$/i,
  /^Il\b.{4,300}\bha scritto\s?:$/i,
  /^Op\b.{4,300}\bschreef\b.{0,100}:$/i,
  /^Den\b.{4,300}\bskrev\b.{0,100}:$/i,
  /^W dniu\b.{4,300}\bpisze\s?:$/i,
  /^.{2,300}\s(?:wrote|schrieb|a écrit|escribió|skrev|kirjoitti|napisał\(a\)):$/i,
  /^.{2,300}(?:写道|寫道)[:：]$/,
  /^.{2,300}のメッセージ[:：]$/,
];

// Outlook's and Lotus' separators above the quoted message.
const SEPARATOR =
  /^(?:-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Originalmeddelande|Oprindelig meddelelse|Opprinnelig melding|Alkuperäinen viesti|Mensagem original|Původní zpráva|Eredeti üzenet|Oryginalna wiadomość|Исходное сообщение|原始邮件|原始郵件|元のメッセージ)\s*-{2,}|_{20,})\s*$/i;

// Outlook writes the quoted message's headers as a block: "From: ..." then "Sent: ..." (or "Date:")
// and "To:" / "Subject:" within the next lines, in the client's language.
const HEADER_FROM =
  /^\*?(?:From|Von|De|Da|Van|Från|Fra|Lähettäjä|Od|Feladó|От|发件人|寄件者|差出人)\s?\*?\s?[:：]/i;
const HEADER_SENT =
  /^\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Date|Enviado(?: el)?|Fecha|Inviato|Data|Verzonden|Skickat|Sendt|Lähetetty|Odesláno|Elküldve|Wysłano|Отправлено|发送时间|日期|寄件日期|送信日時)\s?\*?\s?[:：]/i;
const HEADER_SUBJECT =
  /^\*?(?:Subject|Betreff|Objet|Asunto|Oggetto|Onderwerp|Ämne|Emne|Aihe|Předmět|Tárgy|Temat|Тема|主题|主旨|件名|Assunto)\s?\*?\s?[:：]/i;

/**
 * Splits a reply into the new text and the quoted history, so staff see what is new first. The
 * history starts at the first of: an attribution line ("On ... wrote:", localized), an Outlook
 * separator ("-----Original Message-----", localized, or a long underscore rule), an Outlook
 * header block ("From: / Sent: / Subject:", localized), or a line quoted with `>`. When the sender
 * wrote below or between the quotes (no new text above the first quote), the new text is every
 * unquoted line and the history every quoted one.
 */
export function splitQuotedReply(text: string | null): QuotedReplySplit {
  if (text === null || text.trim() === '') return { newText: text ?? '', quotedText: null };
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const start = historyStart(lines);
  if (start === null) return { newText: text, quotedText: null };

  const before = lines.slice(0, start).join('\n').replace(/\s+$/, '');
  const after = lines.slice(start).join('\n').replace(/\s+$/, '');
  if (before.trim() !== '') return { newText: before, quotedText: after };

  // Bottom or inline posting: the new text is whatever is not quoted.
  const unquoted = lines.filter((line, index) => !isQuoted(line) && !isMarker(lines, index));
  const newText = unquoted.join('\n').trim();
  if (newText === '') return { newText: '', quotedText: after };
  const quoted = lines.filter((line) => isQuoted(line)).join('\n');
  return { newText, quotedText: quoted.trim() === '' ? after : quoted };
}

function historyStart(lines: string[]): number | null {
  for (let index = 0; index < lines.length; index += 1) {
    if (isQuoted(lines[index]) || isMarker(lines, index)) return index;
  }
  return null;
}

function isQuoted(line: string): boolean {
  return /^\s?>/.test(line);
}

function isMarker(lines: string[], index: number): boolean {
  const line = lines[index].trim();
  if (line === '') return false;
  if (SEPARATOR.test(line)) return true;
  if (ATTRIBUTION.some((pattern) => pattern.test(line))) return true;
  const next = lines[index + 1]?.trim() ?? '';
  const joined = `${line} ${next}`;
  if (next !== '' && !/[:：]$/.test(line) && ATTRIBUTION.some((pattern) => pattern.test(joined))) return true;
  if (HEADER_FROM.test(line)) {
    const following = lines.slice(index + 1, index + 6).map((candidate) => candidate.trim());
    return (
      following.some((candidate) => HEADER_SENT.test(candidate)) &&
      following.some(
        (candidate) =>
          HEADER_SUBJECT.test(candidate) || /^(?:To|An|À|A|Para|Aan|Till|Til)\s?[:：]/i.test(candidate),
      )
    );
  }
  return false;
}
