/**
 * playwright-core, loaded from the e2e tools prefix that scripts/e2e/install.mjs fills
 * (.test-cache/e2e/tools), not from the project's node_modules: `npm ci` stays light and the type
 * check passes on a clean clone before anything is installed. These are the few parts of its API the
 * harness uses, with Playwright's own names and signatures (playwright-core/types/types.d.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface Timeout {
  timeout?: number;
}

export interface LocatorFilter {
  hasText?: string | RegExp;
  hasNotText?: string | RegExp;
  has?: Locator;
}

export interface Locator {
  click(
    options?: Timeout & { button?: 'left' | 'right' | 'middle'; force?: boolean; clickCount?: number; position?: { x: number; y: number } },
  ): Promise<void>;
  dblclick(options?: Timeout): Promise<void>;
  hover(options?: Timeout): Promise<void>;
  fill(value: string, options?: Timeout): Promise<void>;
  press(key: string, options?: Timeout): Promise<void>;
  focus(options?: Timeout): Promise<void>;
  waitFor(options?: Timeout & { state?: 'attached' | 'detached' | 'visible' | 'hidden' }): Promise<void>;
  count(): Promise<number>;
  first(): Locator;
  last(): Locator;
  nth(index: number): Locator;
  locator(selector: string, options?: LocatorFilter): Locator;
  filter(options: LocatorFilter): Locator;
  textContent(options?: Timeout): Promise<string | null>;
  innerText(options?: Timeout): Promise<string>;
  allInnerTexts(): Promise<string[]>;
  getAttribute(name: string, options?: Timeout): Promise<string | null>;
  isVisible(): Promise<boolean>;
  evaluate<R, A = undefined>(fn: (element: HTMLElement, arg: A) => R | Promise<R>, arg?: A, options?: Timeout): Promise<R>;
  evaluateAll<R, A = undefined>(fn: (elements: HTMLElement[], arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  scrollIntoViewIfNeeded(options?: Timeout): Promise<void>;
  screenshot(options?: Timeout & { path?: string }): Promise<Buffer>;
}

export interface FrameLocator {
  locator(selector: string, options?: LocatorFilter): Locator;
  frameLocator(selector: string): FrameLocator;
}

export interface ConsoleMessage {
  type(): string;
  text(): string;
}

export interface Page {
  goto(url: string, options?: Timeout & { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit' }): Promise<unknown>;
  locator(selector: string, options?: LocatorFilter): Locator;
  frameLocator(selector: string): FrameLocator;
  keyboard: {
    press(key: string, options?: { delay?: number }): Promise<void>;
    type(text: string, options?: { delay?: number }): Promise<void>;
  };
  mouse: {
    click(x: number, y: number, options?: { button?: 'left' | 'right' | 'middle' }): Promise<void>;
    move(x: number, y: number): Promise<void>;
  };
  screenshot(options?: Timeout & { path?: string; fullPage?: boolean }): Promise<Buffer>;
  title(): Promise<string>;
  bringToFront(): Promise<void>;
  setDefaultTimeout(timeout: number): void;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  on(event: 'console', listener: (message: ConsoleMessage) => void): Page;
  on(event: 'pageerror', listener: (error: Error) => void): Page;
  close(): Promise<void>;
}

export interface BrowserContext {
  pages(): Page[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface LaunchPersistentContextOptions extends Timeout {
  executablePath?: string;
  headless?: boolean;
  args?: string[];
  env?: Record<string, string | undefined>;
  viewport?: { width: number; height: number } | null;
  deviceScaleFactor?: number;
  handleSIGINT?: boolean;
  handleSIGTERM?: boolean;
  handleSIGHUP?: boolean;
}

export interface BrowserType {
  launchPersistentContext(userDataDir: string, options?: LaunchPersistentContextOptions): Promise<BrowserContext>;
}

/** What scripts/e2e/install.mjs writes to .test-cache/e2e/env.json. */
export interface E2eTools {
  codeServer: string;
  playwrightCore: string;
  chromium: string;
  home: string;
  tmp: string;
  versions: Record<string, string>;
}

export function readTools(root: string): E2eTools {
  const file = join(root, '.test-cache', 'e2e', 'env.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as E2eTools;
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}. Run \`node scripts/e2e/install.mjs\` (npm run test:e2e does) first.`);
  }
}

export function loadChromium(tools: E2eTools): BrowserType {
  const require = createRequire(join(tools.playwrightCore, 'package.json'));
  return (require(tools.playwrightCore) as { chromium: BrowserType }).chromium;
}
