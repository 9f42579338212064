import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
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

// Static files only: dist/ is uploaded as is (S3 + CloudFront, or PORTAL_DIR of the local server).
// No inline script or style anywhere (the CSP is script-src 'self'; style-src 'self').
export default defineConfig({
  plugins: [mirrorRtl],
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
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
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
