import { defineConfig } from '@playwright/test';

// The UI's tests against a mock that disturbs about 20% of its answers, drawn from a seed. A
// failing run prints the seed; MFA_CONTRACT_CHAOS_SEED=N replays that run exactly.
const port = process.env.MFA_CONTRACT_PORT ?? '4010';
process.env.MFA_CONTRACT_CHAOS_SEED ??= String(Math.floor(Math.random() * 2 ** 32));
const seed = process.env.MFA_CONTRACT_CHAOS_SEED;

export default defineConfig({
  testDir: '.',
  testMatch: 'chaos.spec.js',
  // One worker: the same seed and the same order of requests give the same disturbances.
  workers: 1,
  webServer: {
    command: `npx mfa-contract mock --port ${port} --chaos 0.2 --chaos-seed ${seed}`,
    url: `http://127.0.0.1:${port}/__admin/health`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
  use: { baseURL: `http://127.0.0.1:${port}` },
});
