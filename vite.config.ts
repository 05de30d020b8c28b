import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The client lives in client/; the server serves the build from dist/client. In `npm run dev` vite proxies the
// API and socket.io to the server on FLOORWATCH_API_PORT.
const apiPort = process.env.FLOORWATCH_API_PORT ?? '8080';

export default defineConfig({
  root: 'client',
  plugins: [svelte()],
  build: { outDir: '../dist/client', emptyOutDir: true },
  server: {
    proxy: {
      '/api': `http://127.0.0.1:${apiPort}`,
      '/socket.io': { target: `http://127.0.0.1:${apiPort}`, ws: true },
    },
  },
  test: {
    root: '.',
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    globalSetup: ['test/support/global-redis.ts'],
    setupFiles: ['test/support/fast-check-seed.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
