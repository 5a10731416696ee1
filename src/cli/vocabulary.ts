// The core's advice names settings as the action's inputs ("set the input audience", "Set host
// to"); on the command line the same setting is a flag and an SDK variable. Every line the CLI
// prints goes through cliWords, which names them so. Phrase by phrase, never a bare word: an
// "audience" in a sentence is the claim, not the setting.
import { SETTING_FLAGS } from './setting-variables.ts';

const SETTINGS = ['host', 'audience', 'account-id', 'client-id', 'scope'];

function flag(setting: string): string {
  const variable = SETTING_FLAGS[setting];
  return `--${setting}${variable === undefined ? '' : ` (${variable})`}`;
}

const NAMES = SETTINGS.join('|');

const RULES: [RegExp, (...groups: string[]) => string][] = [
  [/\bset account-id and audience\b/g, () => `set ${flag('account-id')} and ${flag('audience')}`],
  [new RegExp(`\\bset the input (${NAMES}): `, 'g'), (_, name = '') => `set ${flag(name)} to `],
  [
    new RegExp(`\\b([Ss]et|[Rr]emove) (${NAMES})\\b(?!-)`, 'g'),
    (_, verb = '', name = '') => `${verb} ${flag(name)}`,
  ],
  [new RegExp(`\\bthe (${NAMES}) input\\b`, 'gi'), (_, name = '') => flag(name.toLowerCase())],
  [/\bclient-id (?=[0-9a-f]{8}-)/g, () => `${flag('client-id')} `],
  [/\bthe input changes nothing\b/g, () => 'the flag changes nothing'],
  [/\ban oidc-token that\b/g, () => 'an ID token that'],
  [/\buse oidc-token there\b/g, () => 'pass a token with --oidc-token-file there'],
  [/\bCheck the inputs\b/g, () => 'Check the settings'],
  [/\bcheck account-id\b/g, () => `check ${flag('account-id')}`],
  [/(?<![-\w])pat-lifetime\b/g, () => '--pat-lifetime'],
  [/\buse export-env: oidc\b/g, () => "use serve (the SDKs' metadata-service auth)"],
];

export function cliWords(line: string): string {
  return RULES.reduce((text, [pattern, replace]) => text.replace(pattern, replace), line);
}
