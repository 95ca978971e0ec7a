// Lab settings a page takes from its URL, for people studying how the LAN behaves (and for
// bench:lan): `?channel=unordered` carries frames on unordered data channels without SCTP
// retransmits, `?loss=5` drops 5% of the frames this page sends to its peers on purpose (before
// the data channel, counted as `injectedLoss`), so TCP's recovery can be watched from the guest.
import type { ChannelMode } from '../p2p/peer-link.ts';

/** The largest loss a page accepts, in percent: past this nothing useful crosses the LAN. */
export const MAX_LOSS_PERCENT = 50;

/** What the URL asked for; `problems` holds a sentence per value the page ignored. */
export interface LabOptions {
  /** Only set when the URL asks for a mode; the links' default otherwise. */
  readonly channelMode?: ChannelMode;
  /** Share of frames sent to peers that are dropped, 0 to MAX_LOSS_PERCENT / 100. */
  readonly lossRate: number;
  readonly problems: readonly string[];
}

const CHANNEL_MODES: readonly ChannelMode[] = ['reliable', 'unordered'];

/** Reads `channel` and `loss` from a page URL's query string. */
export function readLabOptions(search: string): LabOptions {
  const query = new URLSearchParams(search);
  const problems: string[] = [];
  const channel = query.get('channel');
  const channelMode = CHANNEL_MODES.find((m) => m === channel);
  if (channel !== null && !channelMode) problems.push(`Unknown channel mode "${channel}" ignored; use reliable or unordered.`);
  const loss = query.get('loss');
  let lossRate = 0;
  if (loss !== null) {
    // Up to two decimals: "0.5" and "12.25" are fine, "1e1", "5%" and "-1" are not.
    const percent = /^\d{1,3}(\.\d{1,2})?$/.test(loss) ? Number(loss) : NaN;
    if (percent >= 0 && percent <= MAX_LOSS_PERCENT) lossRate = percent / 100;
    else problems.push(`Frame loss "${loss}" ignored; use a percentage from 0 to ${MAX_LOSS_PERCENT}.`);
  }
  return { ...(channelMode ? { channelMode } : {}), lossRate, problems };
}

/** The line the network status shows while a lab setting is on, or null with none. */
export function describeLab(options: Pick<LabOptions, 'channelMode' | 'lossRate'>): string | null {
  const parts: string[] = [];
  if (options.channelMode === 'unordered') parts.push('unordered channels, no retransmits');
  // Rounded to two decimals of a percent, as the URL gives it.
  if (options.lossRate > 0) parts.push(`dropping ${Math.round(options.lossRate * 10_000) / 100}% of frames sent`);
  return parts.length ? `lab: ${parts.join(', ')}` : null;
}
