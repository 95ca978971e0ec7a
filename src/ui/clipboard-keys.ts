// Which terminal keys mean copy or paste. Ctrl+C stays the guest's interrupt unless text is
// selected; Ctrl+Shift+C/V always mean copy/paste (as in desktop terminals); Cmd+C/V on macOS.

/** The parts of a KeyboardEvent the decision needs. */
export interface KeyLike {
  readonly type: string;
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
  readonly metaKey: boolean;
}

/** What a key press should do in the terminal: copy the selection, let the browser paste, or go to the guest. */
export function clipboardAction(event: KeyLike, hasSelection: boolean): 'copy' | 'paste' | 'guest' {
  if (event.altKey) return 'guest';
  const key = event.key.toLowerCase();
  const primary = event.metaKey || (event.ctrlKey && event.shiftKey);
  if (key === 'c' && (primary || (event.ctrlKey && hasSelection))) return hasSelection || event.shiftKey || event.metaKey ? 'copy' : 'guest';
  if (key === 'v' && primary) return 'paste';
  return 'guest';
}
