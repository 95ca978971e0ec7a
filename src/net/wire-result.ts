// The one result shape every wire parser in src/net returns: bad input is a coded value, never a throw.

/** Why a parser refused its input. */
export type WireErrorCode =
  | 'ERR_TRUNCATED' // shorter than the header or than the length the header declares
  | 'ERR_BAD_LENGTH' // a length field smaller than its own header
  | 'ERR_BAD_VERSION' // IPv4 version field is not 4
  | 'ERR_BAD_CHECKSUM'
  | 'ERR_UNSUPPORTED' // well formed but not a kind we speak (ARP over non-Ethernet, for example)
  | 'ERR_BAD_MAGIC' // DHCP magic cookie missing
  | 'ERR_BAD_OPTIONS' // DHCP options overrun their space or lack the end option
  | 'ERR_BAD_ADDRESS'; // text that is not a MAC or IPv4 address

/** Either the parsed value or the code saying why there is none. */
export type WireResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: WireErrorCode };

/** Wraps a parsed value. */
export function ok<T>(value: T): WireResult<T> {
  return { ok: true, value };
}

/** Wraps a refusal. */
export function fail<T>(code: WireErrorCode): WireResult<T> {
  return { ok: false, code };
}

/** Thrown (as a TypeError with code ERR_BAD_ADDRESS) when a caller passes an address that does not parse. */
export function badAddress(text: string): TypeError {
  return Object.assign(new TypeError(`not an address: ${JSON.stringify(text)}`), { code: 'ERR_BAD_ADDRESS' });
}
