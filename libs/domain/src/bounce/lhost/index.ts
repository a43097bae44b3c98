import type { BounceMessage, DecodeResult } from '../decoded-recipient';

export type LhostDecoder = (message: BounceMessage, raw: string) => DecodeResult | null;

/** Decoders for the non-standard formats of known MTAs and providers, tried after RFC 3464. */
export const LHOST_DECODERS: readonly LhostDecoder[] = [];
