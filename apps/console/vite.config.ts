import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The console is a static single-page app. `strettch serve` serves `dist/` at `/` with a
 * fallback to index.html for client routes; in development Vite proxies `/api` to a local
 * `strettch serve` on port 8080.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      // ws: the compute web console's WebSocket goes through the same proxy.
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false, ws: true },
    },
  },
});
