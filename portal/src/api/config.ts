// Where the API is: /config.json's `api` (the API Gateway's URL in AWS), else this origin (the
// local server serves both). Its own module, so that the receipt verifier reads it without the
// portal's client.

export async function apiBase(): Promise<string> {
  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    if (response.ok && (response.headers.get('content-type') ?? '').includes('json')) {
      const config = (await response.json()) as { api?: unknown };
      if (typeof config.api === 'string') return config.api.replace(/\/+$/, '');
    }
  } catch {
    // Offline, or no config: the API shares the portal's origin.
  }
  return '';
}
