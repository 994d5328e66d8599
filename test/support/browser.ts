import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core. The tests never download a browser: without
 * /usr/bin/chromium (or CHROMIUM_PATH) a browser suite is skipped with the reason, except under
 * CI=true, where that is a failure.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function describeWithChromium(title: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(title, body);
    return;
  }
  const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('needs Chromium', () => {
        throw new Error(`${reason}; CI requires it`);
      });
    });
    return;
  }
  console.warn(`skipping "${title}": ${reason}`);
  const skipped = describe.skip;
  skipped(`${title} [skipped: ${reason}]`, body);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
  });
}
