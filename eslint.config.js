import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The folders are the architecture: src/core is plain TypeScript with no runner and no process;
// each edge (src/action, src/cli) reaches the core only through src/core/index.ts (or its light
// start-up subset, src/core/startup.ts).
const EDGES = ['action', 'cli'];

const coreBoundary = {
  files: ['src/core/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['@actions/core', '@actions/core/*', '@actions/github'],
            message: 'The core does not talk to a runner; an edge does.',
          },
          { group: EDGES.map((edge) => `**/${edge}/**`), message: 'The core imports no edge.' },
        ],
      },
    ],
    'no-restricted-globals': [
      'error',
      { name: 'process', message: 'The core reads no process state; the edge passes it in.' },
    ],
  },
};

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
  ...EDGES.map(edgeBoundary),
);
