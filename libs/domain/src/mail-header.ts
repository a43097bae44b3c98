/** One header line as a parser yields it (`key` in any case, `value` unfolded or folded). */
export interface MailHeader {
  key: string;
  value: string;
}
