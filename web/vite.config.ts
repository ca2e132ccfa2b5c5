import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Vite 8 transforms TSX itself (oxc); no React plugin is needed for a production build.
// `npm run build:web` writes web/dist, which `slipway dev` serves at `/`. For UI development against a
// running `slipway dev`, `npx vite --config web/vite.config.ts` proxies the API to SLIPWAY_URL.
const slipway = process.env.SLIPWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    rolldownOptions: {
      // React Query marks its hooks "use client" (a React Server Components hint); irrelevant in a SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: { '/api': slipway, '/healthz': slipway } },
});
