// rtlcss ships no types: the one call vite.config.ts makes.
declare module 'rtlcss' {
  const rtlcss: { process(css: string): string };
  export default rtlcss;
}
