#!/usr/bin/env node
// Lays out the npm packages in a folder, ready for `npm pack`: the launcher `mfa-contract` in
// OUT/launcher, and one `@mfa-contract/<platform>-<arch>` package per binary given in
// OUT/platforms/<platform>-<arch>. Name, version, license,
// description and repository come from Cargo.toml, so they are written in one place.
//
//   node npm/stage.mjs OUT TARGET=BINARY...
//
// TARGET is a release target (a Rust target triple from dist-workspace.toml) or, for a binary
// built on this machine, `host`. Called by npm/pack.sh; standard library only.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const scope = '@mfa-contract';

// Release targets and the npm platform each one serves. Linux builds are static (musl), so they
// run on glibc and musl systems alike and carry no `libc` field.
const PLATFORMS = {
  'x86_64-unknown-linux-musl': { os: 'linux', cpu: 'x64', label: 'Linux x64 (static, any libc)' },
  'aarch64-unknown-linux-musl': { os: 'linux', cpu: 'arm64', label: 'Linux arm64 (static, any libc)' },
  'x86_64-apple-darwin': { os: 'darwin', cpu: 'x64', label: 'macOS x64' },
  'aarch64-apple-darwin': { os: 'darwin', cpu: 'arm64', label: 'macOS arm64' },
  'x86_64-pc-windows-msvc': { os: 'win32', cpu: 'x64', label: 'Windows x64' },
};

function die(message) {
  process.stderr.write(`npm/stage.mjs: ${message}\n`);
  process.exit(2);
}

/** The `key = "value"` strings of Cargo.toml's [package] table. */
function cargoPackage(text) {
  const fields = {};
  let inPackage = false;
  for (const line of text.split(/\r?\n/)) {
    const table = line.match(/^\s*\[([^\]]+)\]\s*$/);
    if (table) {
      inPackage = table[1].trim() === 'package';
      continue;
    }
    const field = inPackage && line.match(/^\s*([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"\s*$/);
    if (field) fields[field[1]] = field[2];
  }
  for (const key of ['name', 'version', 'license', 'description', 'repository']) {
    if (!fields[key]) die(`Cargo.toml: [package] has no ${key} = "..."`);
  }
  return fields;
}

function hostPlatform() {
  const found = Object.values(PLATFORMS).find(
    (p) => p.os === process.platform && p.cpu === process.arch,
  );
  return found || { os: process.platform, cpu: process.arch, label: `${process.platform} ${process.arch}` };
}

function packageJson(cargo, { name, description, ...extra }) {
  const repository = cargo.repository.replace(/\/$/, '');
  return {
    name,
    version: cargo.version,
    description,
    license: cargo.license,
    repository: { type: 'git', url: `git+${repository}.git` },
    homepage: `${repository}#readme`,
    bugs: `${repository}/issues`,
    ...extra,
  };
}

function write(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
}

function copyLicenses(dir) {
  for (const license of ['LICENSE-MIT', 'LICENSE-APACHE']) {
    fs.copyFileSync(path.join(root, license), path.join(dir, license));
  }
}

function stagePlatform(out, cargo, platform, binary) {
  const name = `${scope}/${platform.os}-${platform.cpu}`;
  const dir = path.join(out, 'platforms', `${platform.os}-${platform.cpu}`);
  const executable = platform.os === 'win32' ? `${cargo.name}.exe` : cargo.name;
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync(binary, path.join(dir, 'bin', executable));
  fs.chmodSync(path.join(dir, 'bin', executable), 0o755);
  copyLicenses(dir);
  write(path.join(dir, 'package.json'), packageJson(cargo, {
    name,
    description: `The ${cargo.name} binary for ${platform.label}; installed by the ${cargo.name} package`,
    os: [platform.os],
    cpu: [platform.cpu],
    files: ['bin/', 'LICENSE-MIT', 'LICENSE-APACHE'],
    // Yarn Plug'n'Play must unpack it: a binary cannot run from inside a zip.
    preferUnplugged: true,
  }));
  write(path.join(dir, 'README.md'), `# ${name}\n\nThe \`${cargo.name}\` binary for ${platform.label}. ` +
    `Install \`${cargo.name}\` instead; it picks this package on this platform.\n\n${cargo.repository}\n`);
  return name;
}

function stageLauncher(out, cargo) {
  const dir = path.join(out, 'launcher');
  const optional = {};
  for (const platform of Object.values(PLATFORMS)) {
    optional[`${scope}/${platform.os}-${platform.cpu}`] = cargo.version;
  }
  fs.cpSync(path.join(here, 'launcher'), dir, { recursive: true });
  fs.chmodSync(path.join(dir, 'bin', `${cargo.name}.js`), 0o755);
  copyLicenses(dir);
  write(path.join(dir, 'package.json'), packageJson(cargo, {
    name: cargo.name,
    description: cargo.description,
    keywords: ['mock-server', 'contract-testing', 'openapi', 'api-testing', 'mfa'],
    bin: { [cargo.name]: `bin/${cargo.name}.js` },
    files: ['bin/', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE'],
    engines: { node: '>=18' },
    optionalDependencies: optional,
  }));
}

function main(args) {
  if (args.length < 2) die('usage: node npm/stage.mjs OUT TARGET=BINARY...');
  const [out, ...pairs] = args;
  const cargo = cargoPackage(fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8'));
  fs.rmSync(out, { recursive: true, force: true });
  stageLauncher(out, cargo);
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) die(`${pair}: expected TARGET=BINARY`);
    const [target, binary] = [pair.slice(0, at), pair.slice(at + 1)];
    const platform = target === 'host' ? hostPlatform() : PLATFORMS[target];
    if (!platform) die(`${target}: not a release target (${Object.keys(PLATFORMS).join(', ')}, or host)`);
    if (!fs.existsSync(binary)) die(`${binary}: no such file`);
    process.stdout.write(`${stagePlatform(out, cargo, platform, binary)} ${cargo.version}\n`);
  }
  process.stdout.write(`${cargo.name} ${cargo.version}\n`);
}

main(process.argv.slice(2));
