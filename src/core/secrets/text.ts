const MAX_SERVER_TEXT = 300;

/**
 * Makes untrusted text (server answers, claims) safe for one log line on either runner: no CR/LF
 * or other control characters that could start a new line, no `::` that could form a GitHub
 * workflow command, no `##[`, which GitHub's runner reads as a (legacy) command anywhere in a line,
 * and no `##vso[`, which Azure's agent reads as a logging command anywhere in a line (any case),
 * on stdout and stderr alike.
 */
export function neutralise(text: string, maxLength = MAX_SERVER_TEXT): string {
  return clip(defuse(text), maxLength);
}

/** `neutralise` without the cut: callers that redact must do so before cutting (see SecretRegistry.sanitise). */
export function defuse(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  // Every colon followed by a colon gets a space, so that ":::" cannot leave a "::" behind.
  return flat
    .replace(/:(?=:)/g, ': ')
    .replaceAll('##[', '# #[')
    .replace(/##(?=vso\[)/gi, '# #');
}

/** Whether text holds what a runner reads as a command wherever it stands: Azure's `##vso[`, GitHub's `##[`. */
export function holdsRunnerCommand(text: string): boolean {
  return /##(?:vso)?\[/i.test(text);
}

/**
 * JSON text that no runner reads a command in, for data printed where a log may show it: `#` as
 * `\u0023` (outside strings JSON has no `#`, so the parsed value is the same), which leaves no
 * `##[` or `##vso[`; and a `::` stays inside a quoted string, never at the start of a line.
 */
export function hashEscaped(jsonText: string): string {
  return jsonText.replaceAll('#', '\\u0023');
}

export function logSafeJson(value: unknown, indent?: number): string {
  return hashEscaped(JSON.stringify(value, null, indent));
}

export function clip(text: string, maxLength = MAX_SERVER_TEXT): string {
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

const PREVIEW_LENGTH = 6;

/**
 * An input that failed validation may be a secret pasted into the wrong field: echo only enough
 * of it to recognise it (a few characters and its length), never enough to replay any of it.
 */
export function preview(text: string): string {
  if (text.length <= PREVIEW_LENGTH + 2) return defuse(text);
  return `${defuse(text.slice(0, PREVIEW_LENGTH))}… (${text.length} characters)`;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Whitespace, control characters (C0 and C1), zero-width and bidirectional controls: never valid
 * in a host, ID, audience or token, and the last two make a value look like another one.
 */
export function hasSpaceOrControl(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\s\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/.test(
    text,
  );
}

/** A POSIX shell word that keeps every character: single quotes, each inner one as '\''. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
