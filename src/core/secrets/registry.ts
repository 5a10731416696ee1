import { isToken } from './server-values.ts';
import { clip, defuse } from './text.ts';

/**
 * Every secret the run has seen. A value is handed to the runner's masker the moment it is added,
 * and `redact` removes all of them from any text we are about to print, as a second line of defence.
 */
export class SecretRegistry {
  private readonly values = new Set<string>();
  private readonly mask: (value: string) => void;

  constructor(mask: (value: string) => void) {
    this.mask = mask;
  }

  add(value: string): string {
    if (value !== '' && !this.values.has(value)) {
      this.values.add(value);
      this.mask(value);
    }
    return value;
  }

  /**
   * Registers a credential a server answered with, then refuses it unless it is token-shaped and
   * bounded (it could break a log line or a file command, or overflow the environment):
   * registered first, so that even the refused value is masked.
   */
  addCredential(value: string, refuse: () => Error): string {
    this.add(value);
    if (!isToken(value)) throw refuse();
    return value;
  }

  /**
   * Untrusted text made safe for a log line or an error, in the only safe order: redact (whole
   * secrets), defuse (line breaks, `::`), redact again (defusing joins lines), and only then cut,
   * so that no cut can leave the start of a secret behind.
   */
  sanitise(text: string, maxLength?: number): string {
    return clip(this.redact(defuse(this.redact(text))), maxLength);
  }

  redact(text: string): string {
    let redacted = text;
    for (const value of this.values) redacted = redacted.replaceAll(value, '***');
    return redacted;
  }
}
