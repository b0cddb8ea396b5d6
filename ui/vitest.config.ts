import { defineConfig, mergeConfig } from 'vitest/config';
import { svelteTesting } from '@testing-library/svelte/vite';
import viteConfig from './vite.config.ts';

export default mergeConfig(
  viteConfig,
  defineConfig({
    // Unmount rendered components after each test (browser condition set below).
    plugins: [svelteTesting({ resolveBrowser: false })],
    // Svelte 5 must resolve to its browser build, not the SSR one, under vitest.
    resolve: { conditions: ['browser'] },
    test: {
      environment: 'jsdom',
      include: ['src/**/*.test.ts'],
      restoreMocks: true,
    },
  }),
);
