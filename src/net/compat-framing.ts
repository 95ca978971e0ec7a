// jslinux-tap framing, spoken by `tapper --compat`: a big-endian u16 length, then the frame.
// No delimiter and no checksum, so a lost byte desynchronises the stream for good; it exists
// only so the old server side (and tests of the guest's compat mode) can talk to our guest.

import { ERR_FRAME_SIZE, MAX_FRAME_BYTES, MIN_FRAME_BYTES } from './tty-framing.ts';

/** Bytes of the length prefix. */
export const COMPAT_HEADER_BYTES = 2;

/** What a CompatFrameDecoder has delivered and skipped, by reason. */
export interface CompatFramingCounters {
  frames: number;
  /** Payload bytes delivered. */
  bytes: number;
  /** Frames whose length prefix exceeded MAX_FRAME_BYTES (their bytes are skipped). */
  oversize: number;
  /** Frames shorter than an Ethernet header (their bytes are skipped). */
  runt: number;
}

/** Encodes one frame as jslinux-tap does: u16 big-endian length, then the frame. */
export function encodeCompatFrame(frame: Uint8Array): Uint8Array {
  const n = frame.length;
  if (n < MIN_FRAME_BYTES || n > MAX_FRAME_BYTES) {
    throw Object.assign(new RangeError(`frame of ${n} bytes is outside ${MIN_FRAME_BYTES}..${MAX_FRAME_BYTES}`), {
      code: ERR_FRAME_SIZE,
    });
  }
  const out = new Uint8Array(COMPAT_HEADER_BYTES + n);
  out[0] = n >>> 8;
  out[1] = n & 0xff;
  out.set(frame, COMPAT_HEADER_BYTES);
  return out;
}

/** Streaming decoder of jslinux-tap framing; returns (and passes to the listener) each whole frame. */
export class CompatFrameDecoder {
  /** Delivered and skipped frames. */
  readonly counters: CompatFramingCounters = { frames: 0, bytes: 0, oversize: 0, runt: 0 };
  private readonly buf = new Uint8Array(MAX_FRAME_BYTES);
  private headerBytes = 0;
  private want = 0;
  private have = 0;
  // True while skipping the body of a frame we refused (too long or too short): the prefix is
  // all we have to stay in step, so we trust it.
  private skipping = false;

  constructor(private readonly onFrame?: (frame: Uint8Array) => void) {}

  /** Decodes a chunk; returns the frames it completed, in order (each a fresh copy). */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.headerBytes < COMPAT_HEADER_BYTES) {
        this.want = (this.want << 8) | chunk[i++];
        if (++this.headerBytes < COMPAT_HEADER_BYTES) continue;
        this.have = 0;
        this.skipping = this.want < MIN_FRAME_BYTES || this.want > MAX_FRAME_BYTES;
        if (this.skipping) {
          if (this.want > MAX_FRAME_BYTES) this.counters.oversize++;
          else this.counters.runt++;
        }
      } else {
        const take = Math.min(this.want - this.have, chunk.length - i);
        if (!this.skipping) this.buf.set(chunk.subarray(i, i + take), this.have);
        this.have += take;
        i += take;
      }
      if (this.headerBytes === COMPAT_HEADER_BYTES && this.have === this.want) {
        const frame = this.skipping ? null : this.buf.slice(0, this.want);
        // Reset before delivering, so even a listener that throws leaves the decoder in step.
        this.headerBytes = 0;
        this.want = 0;
        this.have = 0;
        if (frame) {
          this.counters.frames++;
          this.counters.bytes += frame.length;
          frames.push(frame);
          this.onFrame?.(frame);
        }
      }
    }
    return frames;
  }
}
