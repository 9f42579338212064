import { defineConfig } from 'vitest/config';
import postcss, { type Plugin as PostcssPlugin } from 'postcss';
import rtlcss from 'rtlcss';

// Arabic reads right to left: src/styles/rtl.scss is the same stylesheet mirrored by rtlcss
// (margins, paddings, floats, positions), loaded instead of ltr.scss when the language is Arabic.
const mirrorRtl: PostcssPlugin = {
  postcssPlugin: 'prenota-mirror-rtl',
  OnceExit(root) {
    const file = root.source?.input.file ?? '';
    if (!file.endsWith('rtl.scss')) return;
    const mirrored = rtlcss.process(root.toString());
    root.removeAll();
    root.append(postcss.parse(mirrored).nodes);
  },
};

// Static files only: dist/ is uploaded as is (S3 + CloudFront, or PORTAL_DIR of the local server).
// No inline script or style anywhere (the CSP is script-src 'self'; style-src 'self').
export default defineConfig({
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
    postcss: { plugins: [mirrorRtl] },
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
