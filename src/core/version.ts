/**
 * The package's version. package.json holds it, alone: tools/build.ts writes it over this
 * placeholder in every bundle, so the unbundled sources (tests, local-action) say 0.0.0-source.
 */
export const VERSION: string = '0.0.0-source';
