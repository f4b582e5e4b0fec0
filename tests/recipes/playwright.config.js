import { defineConfig } from '@playwright/test';

// Playwright starts the mock before the tests and waits until its health URL answers.
const port = process.env.MFA_CONTRACT_PORT ?? '4010';

export default defineConfig({
  testDir: '.',
  testMatch: 'mfa.spec.js',
  webServer: {
    command: `npx mfa-contract mock --port ${port}`,
    url: `http://127.0.0.1:${port}/__admin/health`,
    reuseExistingServer: !process.env.CI,
    timeout: 30_000,
  },
  use: { baseURL: `http://127.0.0.1:${port}` },
});
