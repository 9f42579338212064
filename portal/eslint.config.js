import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/api/schema.d.ts', 'e2e/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "JSXAttribute[name.name='style']", message: 'No inline style: the CSP forbids it.' },
        { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: 'No raw HTML.' },
      ],
      'no-restricted-globals': ['error', { name: 'localStorage', message: 'Only the language goes to localStorage (src/i18n); the session stays in sessionStorage.' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The verifier's service worker: plain JavaScript in a worker's scope.
    files: ['src/verifier/service-worker.js'],
    languageOptions: {
      globals: { self: 'readonly', caches: 'readonly', fetch: 'readonly', URL: 'readonly', Response: 'readonly', AbortSignal: 'readonly', VERSION: 'readonly', FILES: 'readonly' },
    },
  },
);
