import type { BounceMessage, DecodeResult } from '../decoded-recipient';
import { decodeAmazonSesJson } from './amazon-ses';
import { decodeExchange2003 } from './exchange';
import { decodeFailedRecipientsHeader } from './failed-recipients-header';
import { decodeGoogle } from './google';
import { decodeDomino, decodeNotes } from './lotus';
import { decodeExim } from './exim';
import { decodeQmail } from './qmail';
import {
  decodeApacheJames,
  decodeDragonFly,
  decodeFml,
  decodeInlineErrors,
  decodeMailMarshal,
  decodeV5Sendmail,
} from './small-mtas';

export type LhostDecoder = (message: BounceMessage, raw: string) => DecodeResult | null;

/** Decoders for the non-standard formats of known MTAs and providers, tried after RFC 3464. */
export const LHOST_DECODERS: readonly LhostDecoder[] = [
  decodeAmazonSesJson,
  decodeGoogle,
  decodeQmail,
  decodeExim,
  decodeExchange2003,
  decodeDomino,
  decodeNotes,
  decodeDragonFly,
  decodeMailMarshal,
  decodeApacheJames,
  decodeV5Sendmail,
  decodeInlineErrors,
  decodeFml,
  decodeFailedRecipientsHeader,
];
