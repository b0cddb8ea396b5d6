// For the shell's tests: a module standing in for a view (`vi.mock('./views/X.svelte', …)`),
// so that the shell is tested apart from the views, which have their own tests.
import type { Component } from 'svelte';
import ViewStub from './ViewStub.svelte';

/** A view module whose component renders {@link ViewStub} named `name`, props passed through. */
export function stubView(name: string): { default: Component<Record<string, unknown>> } {
  const stub = ViewStub as unknown as (anchor: unknown, props: Record<string, unknown>) => unknown;
  const view = (anchor: unknown, props: Record<string, unknown>) =>
    stub(
      anchor,
      new Proxy(props, {
        get: (target, key) => (key === 'name' ? name : Reflect.get(target, key)),
        has: (target, key) => key === 'name' || Reflect.has(target, key),
        ownKeys: (target) => [...new Set([...Reflect.ownKeys(target), 'name'])],
        getOwnPropertyDescriptor: (target, key) =>
          key === 'name'
            ? { value: name, enumerable: true, configurable: true }
            : Reflect.getOwnPropertyDescriptor(target, key),
      }),
    );
  return { default: view as unknown as Component<Record<string, unknown>> };
}
