// ttyS1 framing, version 1 (docs/framing.md): how Ethernet frames cross the guest's second UART.
//
//   guest tap0 -> tapper -> /dev/ttyS1 -> page: TtyFrameDecoder -> frames
//   frames -> encodeTtyFrame -> /dev/ttyS1 -> tapper -> guest tap0
//
// On the wire: 0xC0 escape(payload ‖ crc32le(payload)) 0xC0, SLIP escaping.

import { crc32 } from './crc32.ts';

/** Frame delimiter (SLIP END). */
export const FRAME_END = 0xc0;
/** Escape byte (SLIP ESC). */
export const FRAME_ESC = 0xdb;
/** Follows FRAME_ESC to stand for a literal 0xC0. */
export const FRAME_ESC_END = 0xdc;
/** Follows FRAME_ESC to stand for a literal 0xDB. */
export const FRAME_ESC_ESC = 0xdd;
/** Largest payload: MTU 9000 + 14-byte Ethernet header + 4-byte VLAN tag. */
export const MAX_FRAME_BYTES = 9018;
/** Smallest payload: an Ethernet header. */
export const MIN_FRAME_BYTES = 14;
/** Bytes of CRC-32 after each payload. */
export const CRC_BYTES = 4;

/** What a TtyFrameDecoder has delivered and dropped, by reason. */
export interface TtyFramingCounters {
  /** Frames delivered. */
  frames: number;
  /** Payload bytes delivered (without CRC or escaping). */
  bytes: number;
  badEscape: number;
  oversize: number;
  runt: number;
  badCrc: number;
}

/** Thrown (as a RangeError) when asked to encode a frame outside 14..MAX_FRAME_BYTES bytes. */
export const ERR_FRAME_SIZE = 'ERR_FRAME_SIZE';

/** Encodes one Ethernet frame for ttyS1: delimiters, SLIP escaping and the CRC-32 trailer. */
export function encodeTtyFrame(frame: Uint8Array): Uint8Array {
  const n = frame.length;
  if (n < MIN_FRAME_BYTES || n > MAX_FRAME_BYTES) {
    throw Object.assign(new RangeError(`frame of ${n} bytes is outside ${MIN_FRAME_BYTES}..${MAX_FRAME_BYTES}`), {
      code: ERR_FRAME_SIZE,
    });
  }
  const crc = crc32(frame);
  const trailer = [crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24];
  // Size the output exactly in one pass so the encoder allocates once per frame.
  let size = 2 + n + CRC_BYTES;
  for (let i = 0; i < n; i++) if (frame[i] === FRAME_END || frame[i] === FRAME_ESC) size++;
  for (const b of trailer) if (b === FRAME_END || b === FRAME_ESC) size++;
  const out = new Uint8Array(size);
  let o = 0;
  out[o++] = FRAME_END;
  for (let i = 0; i < n + CRC_BYTES; i++) {
    const b = i < n ? frame[i] : trailer[i - n];
    if (b === FRAME_END) {
      out[o++] = FRAME_ESC;
      out[o++] = FRAME_ESC_END;
    } else if (b === FRAME_ESC) {
      out[o++] = FRAME_ESC;
      out[o++] = FRAME_ESC_ESC;
    } else {
      out[o++] = b;
    }
  }
  out[o] = FRAME_END;
  return out;
}

/**
 * Streaming ttyS1 decoder: feed it bytes in chunks of any size; it returns (and passes to the
 * optional listener) every frame that arrives whole with a good CRC, and counts the rest.
 */
export class TtyFrameDecoder {
  /** Delivered and dropped frames, by reason (docs/framing.md). */
  readonly counters: TtyFramingCounters = { frames: 0, bytes: 0, badEscape: 0, oversize: 0, runt: 0, badCrc: 0 };
  // One buffer for the frame being collected; never grows past payload + CRC, so memory is bounded.
  private readonly buf = new Uint8Array(MAX_FRAME_BYTES + CRC_BYTES);
  private len = 0;
  private escaped = false;
  private badEscape = false;
  private overflow = false;

  constructor(private readonly onFrame?: (frame: Uint8Array) => void) {}

  /** Decodes a chunk; returns the frames it completed, in order (each a fresh copy). */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const buf = this.buf;
    const cap = buf.length;
    let len = this.len;
    let escaped = this.escaped;
    for (let i = 0; i < chunk.length; i++) {
      let b = chunk[i];
      if (b === FRAME_END) {
        this.len = len;
        this.escaped = escaped;
        const frame = this.finish();
        if (frame) frames.push(frame);
        len = 0;
        escaped = false;
        continue;
      }
      if (escaped) {
        escaped = false;
        if (b === FRAME_ESC_END) b = FRAME_END;
        else if (b === FRAME_ESC_ESC) b = FRAME_ESC;
        else {
          this.badEscape = true;
          continue;
        }
      } else if (b === FRAME_ESC) {
        escaped = true;
        continue;
      }
      if (len < cap) buf[len++] = b;
      else this.overflow = true;
    }
    this.len = len;
    this.escaped = escaped;
    return frames;
  }

  /** Forgets any partly collected frame (for example after the link was reset). */
  reset(): void {
    this.len = 0;
    this.escaped = false;
    this.badEscape = false;
    this.overflow = false;
  }

  // Judges what was collected since the last delimiter, in the order of docs/framing.md's table.
  private finish(): Uint8Array | null {
    const { len, counters } = this;
    const badEscape = this.badEscape || this.escaped;
    const overflow = this.overflow;
    // Clean state before judging, so even a listener that throws leaves the decoder consistent.
    this.reset();
    if (len === 0 && !badEscape && !overflow) return null;
    if (badEscape) {
      counters.badEscape++;
      return null;
    }
    if (overflow) {
      counters.oversize++;
      return null;
    }
    if (len < MIN_FRAME_BYTES + CRC_BYTES) {
      counters.runt++;
      return null;
    }
    const n = len - CRC_BYTES;
    const buf = this.buf;
    const got = (buf[n] | (buf[n + 1] << 8) | (buf[n + 2] << 16) | (buf[n + 3] << 24)) >>> 0;
    if (crc32(buf, 0, 0, n) !== got) {
      counters.badCrc++;
      return null;
    }
    counters.frames++;
    counters.bytes += n;
    const frame = buf.slice(0, n);
    this.onFrame?.(frame);
    return frame;
  }
}
