import { defineConfig } from 'vite';

// The app calls /mfa/primary on its own origin; Vite's dev server forwards it to the mock.
const mock = process.env.MFA_CONTRACT_MOCK_URL ?? 'http://127.0.0.1:4010';

export default defineConfig({
  server: {
    proxy: {
      '/mfa': mock,
      '/__admin': mock,
    },
  },
});
