// The app's e2e suite, as far as the CI recipe needs one: the mock at MFA_CONTRACT_MOCK_URL
// sets the primary method.
const url = `${process.env.MFA_CONTRACT_MOCK_URL}/mfa/primary`;
const answer = await fetch(url, {
  method: 'POST',
  headers: { Authorization: 'Bearer e2e-user', 'Content-Type': 'application/json' },
  body: JSON.stringify({ mfaType: 'MAGIC_LINK' }),
});
const body = await answer.json();
if (answer.status !== 200 || body.success !== true) {
  console.error(`e2e: ${url} answered ${answer.status} ${JSON.stringify(body)}`);
  process.exit(1);
}
console.log(`e2e: ${url} answered ${answer.status} ${JSON.stringify(body)}`);
