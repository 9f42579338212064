import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import type { OutputBundle } from 'rolldown';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import rtlcss from 'rtlcss';

// Arabic reads right to left: src/styles/rtl.scss is the same stylesheet, marked with
// `--prenota-direction: rtl`, and mirrored here by rtlcss (margins, paddings, floats, positions)
// once built; the portal loads it instead of ltr.scss when the language is Arabic.
const mirrorRtl: Plugin = {
  name: 'prenota-mirror-rtl',
  apply: 'build',
  enforce: 'post',
  generateBundle(_options, bundle) {
    for (const file of Object.values(bundle)) {
      if (file.type !== 'asset' || !file.fileName.endsWith('.css')) continue;
      const css = typeof file.source === 'string' ? file.source : new TextDecoder().decode(file.source);
      if (css.includes('--prenota-direction:rtl')) file.source = rtlcss.process(css);
    }
  },
};

// The receipt verifier works offline through its service worker (src/verifier/service-worker.js),
// which must list the files its page loads, statically or lazily (the QR decoder and its
// WebAssembly), under their content-hashed names. Written as /verifica-sw.js with that list and
// a version (so each build's worker differs and replaces the last), and the list alone as
// /verifica-files.json (what the browser test measures).
const verifierServiceWorker: Plugin = {
  name: 'prenota-verifier-service-worker',
  apply: 'build',
  enforce: 'post',
  generateBundle(_options, bundle) {
    const files = ['/verifica.webmanifest', '/verifica-192.png', ...filesOfEntry(bundle, 'verifica.html').map((file) => `/${file}`)];
    const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16);
    const worker = readFileSync(resolve(import.meta.dirname, 'src/verifier/service-worker.js'), 'utf8');
    this.emitFile({
      type: 'asset',
      fileName: 'verifica-sw.js',
      source: `const VERSION = ${JSON.stringify(version)};\nconst FILES = ${JSON.stringify(files)};\n${worker}`,
    });
    this.emitFile({ type: 'asset', fileName: 'verifica-files.json', source: JSON.stringify({ version, files }) });
  },
};

/** Every file an HTML entry loads, following static and dynamic imports, CSS and assets. */
function filesOfEntry(bundle: OutputBundle, html: string): string[] {
  const found = new Set<string>();
  const visit = (fileName: string) => {
    const file = bundle[fileName];
    if (!file || found.has(fileName)) return;
    found.add(fileName);
    if (file.type !== 'chunk') return;
    const meta = (file as { viteMetadata?: { importedCss: Set<string>; importedAssets: Set<string> } }).viteMetadata;
    for (const next of [...file.imports, ...file.dynamicImports, ...(meta?.importedCss ?? []), ...(meta?.importedAssets ?? [])]) visit(next);
  };
  for (const file of Object.values(bundle)) {
    if (file.type === 'chunk' && file.isEntry && file.facadeModuleId?.endsWith(html)) visit(file.fileName);
  }
  return [...found].sort();
}

// Static files only: dist/ is uploaded as is (S3 + CloudFront, or PORTAL_DIR of the local server).
// No inline script or style anywhere (the CSP is script-src 'self'; style-src 'self').
export default defineConfig({
  plugins: [mirrorRtl, verifierServiceWorker],
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    rollupOptions: {
      input: { portal: resolve(import.meta.dirname, 'index.html'), verifier: resolve(import.meta.dirname, 'verifica.html') },
    },
  },
  css: {
    preprocessorOptions: {
      scss: {
        quietDeps: true,
        silenceDeprecations: ['import', 'global-builtin', 'color-functions', 'mixed-decls', 'legacy-js-api', 'if-function'],
      },
    },
  },
  test: {
    include: ['tests/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
  },
});
