// The phone layout (issue 17): the structure that changes on a phone-sized window. Its looks are
// CSS media queries (checked in Chromium by e2e/phone.e2e.ts); jsdom has no layout or matchMedia.
import { screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PHONE_QUERY, phoneLayout } from "../../lib/layout/phone.svelte";
import { inCall, renderWith, settle, type Harness } from "../../test/render";
import { stubPhone } from "../../test/web";
import CallView from "./CallView.svelte";

/** Inside an inert subtree (Svelte sets the `inert` property; jsdom does not reflect it). */
function inert(el: Element): boolean {
  for (let e: Element | null = el; e; e = e.parentElement)
    if ((e as HTMLElement & { inert?: boolean }).inert || e.hasAttribute("inert")) return true;
  return false;
}

describe("the phone layout", () => {
  let h: Harness;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
    vi.unstubAllGlobals();
  });

  it("follows the phone media query, and is off without matchMedia", () => {
    expect(PHONE_QUERY).toBe("(max-width: 40rem)");
    expect(phoneLayout().current).toBe(false);
    stubPhone(true);
    expect(phoneLayout().current).toBe(true);
  });

  it("puts the controls in the phone bar and opens the chat as a full-screen sheet", async () => {
    stubPhone(true);
    h = await inCall();
    renderWith(CallView, h);
    await settle();
    const bar = screen.getByRole("toolbar", { name: "Meeting controls" });
    expect(bar).toHaveClass("phone");
    expect(bar).toHaveAttribute("data-layout", "phone");
    // The labels stay as the buttons' names.
    expect(within(bar).getByRole("button", { name: "Mute" })).toBeInTheDocument();

    await userEvent.click(within(bar).getByRole("button", { name: "Chat" }));
    const sheet = screen.getByTestId("panel-chat");
    expect(sheet).toHaveClass("sheet");
    expect(sheet).toHaveAttribute("role", "dialog");
    expect(sheet).toHaveAttribute("aria-modal", "true");
    expect(document.activeElement).toBe(within(sheet).getByRole("button", { name: "Close" }));
    // The call underneath is out of reach while the sheet is open.
    expect(inert(bar)).toBe(true);
    expect(inert(screen.getByRole("list", { name: "Participants' video" }))).toBe(true);
    expect(inert(sheet)).toBe(false);

    await userEvent.click(within(sheet).getByRole("button", { name: "Close" }));
    expect(screen.queryByTestId("panel-chat")).toBeNull();
    expect(inert(bar)).toBe(false);
  });

  it("keeps the side panel beside the call on a wide window", async () => {
    stubPhone(false);
    h = await inCall();
    renderWith(CallView, h);
    await settle();
    const bar = screen.getByRole("toolbar", { name: "Meeting controls" });
    expect(bar).not.toHaveClass("phone");
    expect(bar).toHaveAttribute("data-layout", "wide");
    await userEvent.click(within(bar).getByRole("button", { name: "People" }));
    const panel = screen.getByTestId("panel-people");
    expect(panel).not.toHaveClass("sheet");
    expect(panel).not.toHaveAttribute("role");
    expect(inert(bar)).toBe(false);
  });
});
