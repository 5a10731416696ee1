import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The folders are the architecture: src/core is plain TypeScript with no runner and no process;
// each edge (src/action, src/cli) reaches the core only through src/core/index.ts (or its light
// start-up subset, src/core/startup.ts).
const EDGES = ['action', 'cli'];

const RUNNER = ['@actions/core', '@actions/core/*', '@actions/github', '@actions/github/*'];

/** What the core never touches: the runner, the process, the file system, child processes. */
const CORE_FORBIDDEN = [
  { group: RUNNER, message: 'The core does not talk to a runner; an edge does.' },
  { group: EDGES.map((edge) => `**/${edge}/**`), message: 'The core imports no edge.' },
  {
    group: ['process', 'node:process', 'fs', 'fs/*', 'node:fs', 'node:fs/*'],
    message: 'The core reads no process state or files; the edge passes them in.',
  },
  {
    group: ['child_process', 'node:child_process'],
    message: 'The core starts no process; the edge passes a runner in (SourceDeps).',
  },
];

/**
 * The core's layers, lowest first: a layer imports only those below it, and the core's root
 * files (errors, clock, config; credentials.ts, the flow, imports every layer).
 */
const CORE_LAYERS = ['secrets', 'http', 'subject-token', 'ci', 'databricks'];

const coreRules = (forbidden) => ({
  'no-restricted-imports': ['error', { patterns: forbidden }],
  'no-restricted-globals': [
    'error',
    { name: 'process', message: 'The core reads no process state; the edge passes it in.' },
    { name: 'console', message: 'The core logs through the LogSink it is given.' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'globalThis', property: 'process', message: 'The core reads no process state.' },
    { object: 'globalThis', property: 'console', message: 'The core logs through its LogSink.' },
  ],
  // A dynamic import() would pass every rule above: the core has none.
  'no-restricted-syntax': [
    'error',
    { selector: 'ImportExpression', message: 'The core imports statically, so lint sees it.' },
  ],
});

const coreBoundary = { files: ['src/core/**/*.ts'], rules: coreRules(CORE_FORBIDDEN) };

const coreLayer = (layer, index) => ({
  files: [`src/core/${layer}/**/*.ts`],
  rules: coreRules([
    ...CORE_FORBIDDEN,
    {
      group: [
        ...CORE_LAYERS.slice(index + 1).map((above) => `**/core/${above}/**`),
        // From any depth inside the layer (src/core/ci/sources/x.ts reaches ../../databricks).
        ...CORE_LAYERS.slice(index + 1).flatMap((above) =>
          [1, 2, 3].map((depth) => `${'../'.repeat(depth)}${above}/**`),
        ),
      ],
      message: `src/core/${layer} imports no layer above it (${CORE_LAYERS.join(' < ')}).`,
    },
  ]),
});

const edgeBoundary = (edge) => ({
  files: [`src/${edge}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['**/core/**', '!**/core/index.ts', '!**/core/startup.ts'],
            message: 'An edge imports the core only through src/core/index.ts (or startup.ts).',
          },
          {
            group: EDGES.filter((other) => other !== edge).map((other) => `**/${other}/**`),
            message: 'Edges do not import each other; share through the core.',
          },
          ...(edge === 'action'
            ? []
            : [{ group: RUNNER, message: 'Only the action talks to the GitHub runner library.' }]),
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  coreBoundary,
  ...CORE_LAYERS.slice(0, -1).map(coreLayer),
  ...EDGES.map(edgeBoundary),
);
