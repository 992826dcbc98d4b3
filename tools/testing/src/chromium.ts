import { chromium, type Browser } from 'playwright-core';

/**
 * Launch Debian's headless Chromium (`CHROMIUM_PATH` overrides `/usr/bin/chromium`) through
 * playwright-core, with the flags this sandbox needs. `launch()` gives every run a fresh temporary
 * profile (passing `--user-data-dir` is refused by playwright).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
