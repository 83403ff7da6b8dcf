// The phone layout (issue 17): a portrait screen about 360 CSS px wide. The styles themselves
// are CSS media queries with this same condition (`@media (max-width: 40rem)`); components read
// it here only where the structure changes (side panels become full-screen sheets).

import { MediaQuery } from "svelte/reactivity";

/** Keep in step with the `@media (max-width: 40rem)` rules in the components and app.css. */
export const PHONE_QUERY = "(max-width: 40rem)";

export interface Phone {
  /** The window is phone-sized now (reactive). */
  readonly current: boolean;
}

/** Follows the phone query; false where the window has no `matchMedia` (tests, old engines). */
export function phoneLayout(win: Window | undefined = globalThis.window): Phone {
  if (typeof win?.matchMedia !== "function") return { current: false };
  return new MediaQuery(PHONE_QUERY);
}
