import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/vite-plugin-svelte').SvelteConfig} */
export default {
  // Svelte 5 strips type annotations itself; this also enables TypeScript-only syntax
  // (enums, decorators) and `<style lang="…">` if ever needed.
  preprocess: vitePreprocess(),
};
