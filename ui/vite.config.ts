import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Set by `tauri dev` when developing against a phone or another machine.
const host = process.env.TAURI_DEV_HOST;

// https://v2.tauri.app/start/frontend/vite/
export default defineConfig({
  plugins: [svelte()],
  // Keep Rust errors from `tauri dev` visible.
  clearScreen: false,
  server: {
    // Tauri's devUrl expects a fixed port; fail instead of picking another.
    port: 1420,
    strictPort: true,
    host: host || false,
    hmr: host ? { protocol: 'ws', host, port: 1421 } : undefined,
    watch: {
      // The Rust side rebuilds itself; don't reload the page on its changes.
      ignored: ['**/src-tauri/**', '**/target/**'],
    },
  },
  // Expose VITE_* and the TAURI_ENV_* variables the Tauri CLI sets.
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    // WebView2 on Windows is Chromium; macOS and Linux use WebKit.
    target: process.env.TAURI_ENV_PLATFORM === 'windows' ? 'chrome105' : 'safari13',
    minify: !process.env.TAURI_ENV_DEBUG,
    sourcemap: !!process.env.TAURI_ENV_DEBUG,
    outDir: 'dist',
    emptyOutDir: true,
  },
});
