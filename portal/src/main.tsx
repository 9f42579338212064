import { render } from 'preact';
import rtlStylesheet from './styles/rtl.scss?url';
import { loadConfig } from './api/client';
import { initialLanguage, registerRtlStylesheet, setLanguage } from './i18n';
import { startRouter } from './router';
import { App } from './app';

async function start(): Promise<void> {
  registerRtlStylesheet(rtlStylesheet);
  await Promise.all([loadConfig(), setLanguage(initialLanguage())]);
  startRouter();
  const root = document.getElementById('app');
  if (root) {
    root.textContent = '';
    render(<App />, root);
  }
}

void start();
