// Lint rules that carry design decisions (see ../shared/DESIGN.md and docs/ARCHITECTURE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // src/api/generated: TypeScript types generated from proto/ (scripts/gen-proto-types.ts); typechecked, not linted.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/api/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // Server code logs through pino, never the console.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // The Raft core is a pure state machine: no I/O, no clocks, no ambient randomness.
    files: ['src/raft/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Raft is driven by tick(); no timers.' },
        { name: 'setInterval', message: 'Raft is driven by tick(); no timers.' },
        { name: 'setImmediate', message: 'Raft is driven by tick(); no timers.' },
        { name: 'process', message: 'Raft does no I/O and reads no environment.' },
        { name: 'performance', message: 'Raft reads no clock.' },
        { name: 'fetch', message: 'Raft does no I/O.' },
        { name: 'require', message: 'Raft imports only src/core.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Raft reads no clock; time arrives as tick().' },
        { object: 'Math', property: 'random', message: 'Use the injected seeded Rng.' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date']", message: 'Raft reads no clock.' },
        { selector: 'ImportExpression', message: 'Raft imports only src/core, statically.' },
      ],
    },
  },
);
