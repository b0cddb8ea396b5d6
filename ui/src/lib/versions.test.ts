// `tauri build` (scripts/package.sh) refuses to bundle when a Tauri crate and its npm
// package differ in major.minor ("Found version mismatched Tauri packages"), and the window
// can break at run time when the JavaScript half of a plugin speaks a newer protocol than
// its Rust half. This checks the two lock files agree, so `npm test` catches a lone
// `cargo update` or `npm install` instead of the packaging step.
// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

const cargoLock = readFileSync(new URL('../../../Cargo.lock', import.meta.url), 'utf8');
const npmLock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'));

/** Versions of `name` in Cargo.lock (a crate can be there more than once). */
function crateVersions(name: string): string[] {
  const versions: string[] = [];
  for (const block of cargoLock.split('[[package]]')) {
    if (new RegExp(`^name = "${name}"$`, 'm').test(block)) {
      versions.push(block.match(/^version = "([^"]+)"$/m)?.[1] ?? '?');
    }
  }
  return versions;
}

/** The version npm installed for `name`, if the UI depends on it. */
function npmVersion(name: string): string | undefined {
  return npmLock.packages?.[`node_modules/${name}`]?.version;
}

const minor = (version: string) => version.split('.').slice(0, 2).join('.');

/** Every Tauri npm package of the UI with its Rust crate. */
function pairs(): [string, string][] {
  const direct = Object.keys(npmLock.packages?.['']?.dependencies ?? {});
  const found: [string, string][] = [];
  for (const name of direct) {
    if (name === '@tauri-apps/api') found.push([name, 'tauri']);
    const plugin = name.match(/^@tauri-apps\/plugin-(.+)$/)?.[1];
    if (plugin) found.push([name, `tauri-plugin-${plugin}`]);
  }
  return found;
}

describe('Tauri packages', () => {
  test('the UI uses the Tauri API and at least one plugin', () => {
    expect(pairs().map(([npm]) => npm)).toContain('@tauri-apps/api');
    expect(pairs().length).toBeGreaterThan(1);
  });

  test.each(pairs())('%s and the crate %s share major.minor', (npm, crate) => {
    const js = npmVersion(npm);
    expect(js, `${npm} is not in package-lock.json`).toBeDefined();
    const rust = crateVersions(crate);
    expect(rust, `the shell does not use the crate ${crate}: remove ${npm} or add the plugin`).not.toEqual([]);
    for (const version of rust) expect(minor(version), `${crate} ${version} vs ${npm} ${js}`).toBe(minor(js!));
  });
});
