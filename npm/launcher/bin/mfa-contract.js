#!/usr/bin/env node
// Runs the prebuilt mfa-contract binary for this platform, taken from the optional dependency
// npm installed for it (@mfa-contract/<platform>-<arch>), with the arguments, the standard
// streams, signals and the exit code passed through. No download and no install script, so it
// works behind a registry mirror and with --ignore-scripts.
'use strict';

const { spawn } = require('node:child_process');
const manifest = require('../package.json');

// `mfa-contract` itself uses 2 for "usage or configuration error"; a missing binary is one.
const SETUP_ERROR = 2;
const platform = `${process.platform}-${process.arch}`;
const scope = '@mfa-contract/';
const packageName = `${scope}${platform}`;
const executable = process.platform === 'win32' ? 'mfa-contract.exe' : 'mfa-contract';
const installPage = `${manifest.homepage.replace(/#.*$/, '')}#install`;

function binaryPath() {
  try {
    return require.resolve(`${packageName}/bin/${executable}`);
  } catch {
    return null;
  }
}

function fail(lines) {
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(SETUP_ERROR);
}

function explainMissing() {
  const built = Object.keys(manifest.optionalDependencies || {})
    .filter((name) => name.startsWith(scope))
    .map((name) => name.slice(scope.length))
    .sort();
  if (!built.includes(platform)) {
    fail([
      `mfa-contract: no prebuilt binary for this platform (${platform}); there are binaries for ${built.join(', ')}.`,
      '  Build it from source with Rust: cargo install mfa-contract',
      `  Other ways to install: ${installPage}`,
    ]);
  }
  fail([
    `mfa-contract: the prebuilt binary for this platform (${platform}) is not installed.`,
    `  It comes in the optional dependency ${packageName}@${manifest.version}, which npm skipped:`,
    '  installed with --omit=optional (or --no-optional), or from a lockfile made on another platform.',
    `  Fix: npm install ${packageName}@${manifest.version}, or install again without --omit=optional.`,
    `  Other ways to install: ${installPage}`,
  ]);
}

function run(binary) {
  const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });
  // Forwarded, so `kill -INT <this process>` stops the server too. Ctrl-C in a terminal reaches
  // both processes; the binary takes a second SIGINT while stopping as the same request.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  if (process.platform === 'win32') signals.push('SIGBREAK');
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (error) => {
    fail([`mfa-contract: cannot run ${binary}: ${error.message}`]);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so the shell and CI see what happened to the binary.
      for (const s of signals) process.removeListener(s, forward);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code === null ? SETUP_ERROR : code);
  });
}

const binary = binaryPath();
if (binary === null) explainMissing();
else run(binary);
