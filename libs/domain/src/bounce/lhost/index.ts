import type { BounceMessage, DecodeResult } from '../decoded-recipient';
import { decodeAmazonSesJson } from './amazon-ses';
import { decodeExchange2003 } from './exchange';
import { decodeExchange2007 } from './exchange2007';
import { decodeFailedRecipientsHeader } from './failed-recipients-header';
import { decodeGoogle } from './google';
import { decodeDomino, decodeNotes } from './lotus';
import { decodeExim } from './exim';
import { decodeActivehunter, decodeIMailServer, decodeMailFoundry, decodeSmail } from './legacy-servers';
import {
  decodeInterScanMss,
  decodeMcAfee,
  decodeMFilter,
  decodeMimecast,
  decodeSurfControl,
} from './mail-gateways';
import { decodeBiglobe, decodeEzweb, decodeKddi, decodeVerizon } from './carriers';
import { decodeEinsUndEins, decodeMessagingServer, decodeSendGrid, decodeZoho } from './provider-texts';
import { decodeQmail } from './qmail';
import { decodeX1, decodeX3, decodeX6 } from './unknown-mtas';
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
  // Gated on their own headers or markers, so they go before the broader qmail/Exim readers.
  decodeZoho,
  decodeEinsUndEins,
  decodeActivehunter,
  decodeIMailServer,
  decodeMailFoundry,
  decodeInterScanMss,
  decodeMcAfee,
  decodeMimecast,
  decodeSmail,
  decodeSurfControl,
  decodeMFilter,
  decodeBiglobe,
  decodeEzweb,
  decodeKddi,
  decodeX1,
  decodeX3,
  decodeX6,
  decodeSendGrid,
  decodeMessagingServer,
  decodeQmail,
  decodeExim,
  decodeExchange2007,
  decodeExchange2003,
  decodeDomino,
  decodeNotes,
  decodeDragonFly,
  decodeMailMarshal,
  decodeApacheJames,
  // After Apache James: Verizon's gateway ran James, whose own layout says more.
  decodeVerizon,
  decodeV5Sendmail,
  decodeInlineErrors,
  decodeFml,
  decodeFailedRecipientsHeader,
];
