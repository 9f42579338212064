// The camera: the browser's own BarcodeDetector where it reads QR codes (Android, macOS,
// ChromeOS), else ZXing compiled to WebAssembly (the `barcode-detector` ponyfill), loaded only
// then and served from this origin (cached for offline use like the rest of the page).

interface QrDetector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}

async function qrDetector(): Promise<QrDetector> {
  const native = (globalThis as { BarcodeDetector?: BarcodeDetectorConstructor }).BarcodeDetector;
  if (native && (await native.getSupportedFormats()).includes('qr_code')) {
    return new native({ formats: ['qr_code'] });
  }
  const [{ BarcodeDetector, prepareZXingModule }, { default: wasm }] = await Promise.all([
    import('barcode-detector/ponyfill'),
    import('zxing-wasm/reader/zxing_reader.wasm?url'),
  ]);
  prepareZXingModule({
    overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasm : prefix + path) },
  });
  return new BarcodeDetector({ formats: ['qr_code'] });
}

interface BarcodeDetectorConstructor {
  new (options: { formats: string[] }): QrDetector;
  getSupportedFormats(): Promise<string[]>;
}

/** How often a frame is looked at: often enough to feel instant, rarely enough for a battery. */
const FRAME_INTERVAL_MS = 120;

/**
 * Starts the back camera in `video` and calls `found` with the first receipt code seen (then
 * stops looking). Resolves to a function that stops the camera.
 */
export async function scan(video: HTMLVideoElement, found: (code: string) => void): Promise<() => void> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  try {
    video.srcObject = stream;
    await video.play();
    const detector = await qrDetector();
    const look = async () => {
      if (stopped) return;
      try {
        const codes = (await detector.detect(video)).map((barcode) => barcode.rawValue);
        const code = codes.find((text) => text.startsWith('PR')) ?? codes[0];
        if (code) {
          stop();
          found(code);
          return;
        }
      } catch {
        // A frame not ready yet: the next one.
      }
      setTimeout(() => void look(), FRAME_INTERVAL_MS);
    };
    void look();
  } catch (error) {
    stop();
    throw error;
  }
  return stop;
}
