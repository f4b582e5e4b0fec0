import { test, expect } from '@playwright/test';

const headers = { Authorization: 'Bearer e2e-user', 'Content-Type': 'application/json' };

test('the primary method is set', async ({ request }) => {
  const answer = await request.post('/mfa/primary', { headers, data: { mfaType: 'PASSKEY' } });
  expect(answer.status()).toBe(200);
  expect(await answer.json()).toMatchObject({ success: true });
});

test('the UI survives the documented 500', async ({ request }) => {
  const answer = await request.post('/mfa/primary', {
    headers: { ...headers, Prefer: 'code=500' },
    data: { mfaType: 'PASSKEY' },
  });
  expect(answer.status()).toBe(500);
  expect(await answer.json()).toMatchObject({ success: false });
});
