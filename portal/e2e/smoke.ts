import { startStack } from './stack.ts';
import { launch, newContext, watchErrors, axe, screenshotDir } from './browser.ts';
const stack = await startStack();
console.log('base', stack.base);
const browser = await launch();
const context = await newContext(browser, stack.base);
const page = await context.newPage();
const errors = watchErrors(page);
for (const path of process.argv.slice(2)) {
  await page.goto(path);
  await page.locator('h1').first().waitFor();
  await page.screenshot({ path: `${screenshotDir()}/smoke${path.replace(/\//g, '_')}.png`, fullPage: true });
  console.log(path, JSON.stringify(await axe(page), null, 1).slice(0, 3000));
}
console.log(errors);
await browser.close();
await stack.stop();
