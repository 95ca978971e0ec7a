// The link kind the guest boots with, kept in the page URL (`?link=nic`) so a reload or a shared
// link keeps the choice.
import type { LinkKind } from '../vm/types.ts';

/** The link kinds a person can choose in the toolbar, in display order. */
export const LINK_CHOICES: readonly LinkKind[] = ['tty', 'nic'];

/** The kind used when the URL names none (or an unknown one): the design's own ttyS1 link. */
export const DEFAULT_LINK: LinkKind = 'tty';

/** The link kind a page URL's query string asks for, or DEFAULT_LINK. */
export function readLinkChoice(search: string): LinkKind {
  const value = new URLSearchParams(search).get('link');
  return LINK_CHOICES.find((k) => k === value) ?? DEFAULT_LINK;
}

/** The page URL with `link` recorded in its query string (the default is left out), keeping the rest. */
export function writeLinkChoice(href: string, link: LinkKind): string {
  const url = new URL(href);
  if (link === DEFAULT_LINK) url.searchParams.delete('link');
  else url.searchParams.set('link', link);
  return url.href;
}
