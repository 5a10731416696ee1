const MAX_SERVER_TEXT = 300;

/**
 * Makes untrusted text (server answers, claims) safe for one log line: no CR/LF or other
 * control characters that could start a new line, no `::` that could form a workflow command, and
 * no `##[`, which the runner reads as a (legacy) workflow command anywhere in a line.
 */
export function neutralise(text: string, maxLength = MAX_SERVER_TEXT): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  // Every colon followed by a colon gets a space, so that ":::" cannot leave a "::" behind.
  const defused = flat.replace(/:(?=:)/g, ': ').replaceAll('##[', '# #[');
  return defused.length > maxLength ? `${defused.slice(0, maxLength)}…` : defused;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Whitespace or control characters: never valid in a host, ID or audience. */
export function hasSpaceOrControl(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\s\u0000-\u001f\u007f]/.test(text);
}
