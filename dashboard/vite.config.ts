import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is served by the service at /dashboard/ from dist/dashboard (src/http/routes/dashboard.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    // The polyfill would be an inline script, which the dashboard's CSP forbids; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    target: 'es2022',
  },
});
