// IEEE 802.3 CRC-32 (the one zlib, Ethernet and PNG use): reflected polynomial 0xEDB88320,
// initial value 0xFFFFFFFF, final xor 0xFFFFFFFF.

const POLYNOMIAL_REFLECTED = 0xedb88320;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLYNOMIAL_REFLECTED ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of `bytes[start, end)`, continuing from `previous` (the result of an earlier call, as in
 * zlib's `crc32(crc, buf, len)`); returns an unsigned 32-bit number.
 */
export function crc32(bytes: Uint8Array, previous = 0, start = 0, end = bytes.length): number {
  let c = ~previous;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
