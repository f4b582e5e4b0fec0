import { test, expect } from '@playwright/test';

// The UI's own call, as its code makes it: on a failure (an error status, a dropped connection,
// a body that is not JSON) it tries again, up to MFA_CONTRACT_RETRIES times (default 3).
const retries = Number(process.env.MFA_CONTRACT_RETRIES ?? 3);
const headers = { Authorization: 'Bearer chaos-user', 'Content-Type': 'application/json' };

async function setPrimary(request, call, mfaType) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const answer = await request.post('/mfa/primary', { headers, data: { mfaType }, timeout: 5_000 });
      const body = await answer.json();
      if (answer.ok() && body.success) return body;
    } catch {
      // A reset or a malformed body: the UI treats it as a flaky network.
    }
    if (attempt >= retries) throw new Error(`call ${call} (${mfaType}) failed ${attempt + 1} times`);
  }
}

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    const seed = process.env.MFA_CONTRACT_CHAOS_SEED;
    console.log(`chaos seed ${seed}: replay with MFA_CONTRACT_CHAOS_SEED=${seed} npx playwright test --config playwright.chaos.config.js`);
  }
});

test('the settings page survives a flaky backend', async ({ request }) => {
  const methods = ['GOOGLE_AUTH', 'MAGIC_LINK', 'PASSKEY', 'MAGIC_LINK', 'GOOGLE_AUTH', 'PASSKEY', 'GOOGLE_AUTH', 'MAGIC_LINK'];
  for (const [call, mfaType] of methods.entries()) {
    expect(await setPrimary(request, call + 1, mfaType)).toMatchObject({ success: true });
  }
});
