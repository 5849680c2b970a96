#!/usr/bin/env node
// Installs what the end-to-end tests need, idempotently, cached under .test-cache/e2e/:
//   - Debian packages (apt-get, only those missing): a C toolchain, python3 and libkrb5-dev for
//     code-server's native modules, ripgrep, chromium, curl;
//   - code-server (a real VS Code: workbench + extension host) and playwright-core, pinned by
//     scripts/e2e/tools/package.json (+ its lockfile), in their own prefix .test-cache/e2e/tools —
//     never in the project's node_modules, so `npm ci` stays light for everyone else.
// A second run only checks a marker and the apt packages (well under a second).
// Each install blocker this works around is explained where its fix is applied below.
// Writes .test-cache/e2e/env.json: the paths the harness (test/e2e/harness.ts) uses.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const toolsSource = join(root, 'scripts', 'e2e', 'tools');
const cache = join(root, '.test-cache', 'e2e');
const prefix = join(cache, 'tools');
const home = join(cache, 'home');
const tmp = join(cache, 'tmp');
const marker = join(prefix, 'installed.json');
const envFile = join(cache, 'env.json');

const APT_PACKAGES = ['build-essential', 'python3', 'libkrb5-dev', 'ripgrep', 'chromium', 'curl'];
const CHROMIUM = '/usr/bin/chromium';
const RIPGREP = { npmVersion: '1.15.11', asset: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz' };

const started = Date.now();
const log = (message) => console.log(`[e2e install] ${message}`);

function run(command, args, options = {}) {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

function missingAptPackages() {
  const probe = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...APT_PACKAGES], { encoding: 'utf8' });
  if (probe.error) return null; // not Debian: nothing to do here, the checks below say what is missing
  const installed = new Set(
    probe.stdout
      .split('\n')
      .filter((line) => line.endsWith(' install ok installed'))
      .map((line) => line.split(' ')[0]),
  );
  return APT_PACKAGES.filter((p) => !installed.has(p));
}

function ensureAptPackages() {
  const missing = missingAptPackages();
  if (missing === null) {
    log('dpkg-query not found: not a Debian system; assuming the packages are installed');
    return;
  }
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(' ')}`);
  const asRoot = process.getuid?.() === 0;
  const sudo = asRoot ? [] : ['sudo', '-n'];
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) =>
    sudo.length ? run(sudo[0], [...sudo.slice(1), 'apt-get', ...args], { env: aptEnv }) : run('apt-get', args, { env: aptEnv });
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', ...missing]);
}

function hashOf(...files) {
  const hash = createHash('sha256');
  for (const file of files) hash.update(existsSync(file) ? readFileSync(file) : '');
  return hash.digest('hex').slice(0, 16);
}

/** Everything that must match for the cached install to be reused. */
function wanted() {
  return {
    tools: hashOf(join(toolsSource, 'package.json'), join(toolsSource, 'package-lock.json')),
    nodeAbi: process.versions.modules,
    platform: `${process.platform}-${process.arch}`,
  };
}

const codeServerBin = join(prefix, 'node_modules', '.bin', 'code-server');
const playwrightCore = join(prefix, 'node_modules', 'playwright-core');

function cachedInstallIsUsable() {
  if (!existsSync(marker) || !existsSync(codeServerBin) || !existsSync(join(playwrightCore, 'package.json'))) return false;
  try {
    return JSON.stringify(JSON.parse(readFileSync(marker, 'utf8')).wanted) === JSON.stringify(wanted());
  } catch {
    return false;
  }
}

/** The environment for npm and code-server: isolated HOME/XDG, but the user's npm settings and cache. */
export function isolatedEnv(base = process.env) {
  const realHome = homedir();
  const env = {
    ...base,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    TMPDIR: tmp,
  };
  // With another HOME npm would no longer read ~/.npmrc (registry, cafile, nodedir=/usr) nor use ~/.npm.
  const userNpmrc = base.npm_config_userconfig ?? join(realHome, '.npmrc');
  if (existsSync(userNpmrc)) env.npm_config_userconfig = userNpmrc;
  env.npm_config_cache = base.npm_config_cache ?? join(realHome, '.npm');
  return env;
}

function installTools() {
  mkdirSync(prefix, { recursive: true });
  for (const dir of [home, join(home, '.config'), join(home, '.local', 'share'), join(home, '.cache')]) mkdirSync(dir, { recursive: true });

  // @vscode/ripgrep downloads rg from GitHub unless its cache in $TMPDIR holds the tarball: give it
  // Debian's rg (the workbench's search uses it; the version does not matter for these tests).
  const rgCache = join(tmp, `vscode-ripgrep-cache-${RIPGREP.npmVersion}`);
  mkdirSync(rgCache, { recursive: true });
  const rgTarball = join(rgCache, RIPGREP.asset);
  if (!existsSync(rgTarball)) {
    const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
    if (!rg) throw new Error('ripgrep (rg) is not installed; apt-get install ripgrep');
    run('tar', ['-czf', rgTarball, '-C', dirname(rg), 'rg']);
  }

  for (const file of ['package.json', 'package-lock.json']) {
    const source = join(toolsSource, file);
    if (existsSync(source)) copyFileSync(source, join(prefix, file));
  }
  const env = {
    ...isolatedEnv(),
    // code-server's postinstall refuses to run as root without it.
    npm_config_unsafe_perm: 'true',
    // node-pty's postinstall calls `npx node-gyp`, which a `yes=false` npmrc refuses.
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  // Native modules (argon2, kerberos, node-pty) compile from source; node-gyp must find Node's
  // headers offline (Debian's nodejs-dev puts them under /usr), or it tries to download them.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  const hasLock = existsSync(join(prefix, 'package-lock.json'));
  if (!hasLock) rmSync(join(prefix, 'node_modules'), { recursive: true, force: true });
  run('npm', [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=warn'], { cwd: prefix, env });
  // Keep the lockfile an unlocked install produced, so the next cold install gets the same tree.
  if (!hasLock && existsSync(join(prefix, 'package-lock.json'))) {
    copyFileSync(join(prefix, 'package-lock.json'), join(toolsSource, 'package-lock.json'));
    log('wrote scripts/e2e/tools/package-lock.json (commit it)');
  }

  // The install is only done when code-server starts: its native modules are loaded lazily, so check
  // the ones a build failure leaves out.
  run(codeServerBin, ['--version'], { env: isolatedEnv() });
  for (const native of ['lib/vscode/node_modules/node-pty/build/Release/pty.node', 'lib/vscode/node_modules/@vscode/ripgrep/bin/rg']) {
    const path = join(prefix, 'node_modules', 'code-server', native);
    if (!existsSync(path)) throw new Error(`code-server installed without ${native}; see the npm output above`);
  }
  writeFileSync(marker, JSON.stringify({ wanted: wanted(), installedAt: new Date().toISOString() }, null, 2) + '\n');
}

function main() {
  ensureAptPackages();
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing after installing the chromium package`);
  if (cachedInstallIsUsable()) log('code-server and playwright-core: cached');
  else installTools();
  const versions = JSON.parse(readFileSync(join(prefix, 'package.json'), 'utf8')).dependencies;
  mkdirSync(cache, { recursive: true });
  writeFileSync(
    envFile,
    JSON.stringify({ codeServer: codeServerBin, playwrightCore, chromium: CHROMIUM, home, tmp, versions }, null, 2) + '\n',
  );
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${envFile})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main();
  } catch (error) {
    console.error(`[e2e install] failed: ${error.message}`);
    process.exit(1);
  }
}
