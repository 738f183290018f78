// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * Folders are runtimes, and these zones keep them so (see ../shared/STYLE.md):
 * shared/ imports no runtime; renderer/ never imports main/ or node:*; only main/desktop/ imports
 * electron.
 */
const nodeBuiltins = { group: ['node:*'], message: 'Node built-ins belong in main/ only.' };
const electron = { group: ['electron', 'electron/*'], message: 'Only main/desktop/ may import electron.' };
const mainFolder = {
  group: ['**/main/**', '../main/*'],
  message: 'Reach the node through the API contract.',
};
const renderer = { group: ['**/renderer/**'], message: 'The renderer is not a library.' };

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.tsbuild/',
      'test-results/',
      'playwright-report/',
      'artifacts/',
      '.data/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      'no-console': 'error',
      // Interfaces with async methods have implementations that happen to be synchronous.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nodeBuiltins,
            electron,
            mainFolder,
            renderer,
            { group: ['react', 'react-dom', 'zustand'], message: 'shared/ is UI-free.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [nodeBuiltins, electron, mainFolder] }],
    },
  },
  {
    files: ['main/**'],
    ignores: ['main/desktop/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electron, renderer] }] },
  },
  {
    files: ['main/desktop/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [renderer] }] },
  },
  {
    // Command-line output and scripts may print; the node itself logs through pino.
    files: ['main/cli/**', 'main/cli.ts', 'bench/**', 'scripts/**', 'e2e/**'],
    rules: { 'no-console': 'off' },
  },
);
