import { screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { inCall, renderWith, settle, type Harness } from "../../test/render";
import CallView from "../call/CallView.svelte";
import ChatPanel from "./ChatPanel.svelte";

describe("chat", () => {
  let h: Harness;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
  });

  it("shows a message containing markup as text, never as HTML", async () => {
    h = await inCall();
    const mallory = h.mock.call.addParticipant("<b>Mallory</b>");
    renderWith(ChatPanel, h);
    h.mock.call.chatFrom(mallory.id, "<img src=x onerror=alert(1)>");
    await settle();
    const list = screen.getByTestId("chat-messages");
    expect(within(list).getByText("<img src=x onerror=alert(1)>")).toBeInTheDocument();
    expect(within(list).getByText("<b>Mallory</b>")).toBeInTheDocument();
    expect(list.querySelector("img")).toBeNull();
    expect(list.querySelector("b")).toBeNull();
  });

  it("sends with Enter, keeps Shift+Enter for new lines, and shows our echo", async () => {
    h = await inCall();
    renderWith(ChatPanel, h);
    const box = screen.getByRole("textbox", { name: "Message" });
    await userEvent.type(box, "Blood pressure 120/80{Shift>}{Enter}{/Shift}pulse 72{Enter}");
    expect(h.mock.callsOf("sendChat")).toEqual([{ text: "Blood pressure 120/80\npulse 72" }]);
    await settle();
    expect(box).toHaveValue("");
    expect(screen.getByText("You")).toBeInTheDocument();
  });

  it("does not send an empty message", async () => {
    h = await inCall();
    renderWith(ChatPanel, h);
    await userEvent.click(screen.getByRole("button", { name: "Send" }));
    expect(h.mock.callsOf("sendChat")).toEqual([]);
  });

  it("counts unread messages on the Chat button while the panel is closed", async () => {
    h = await inCall();
    const p = h.mock.call.addParticipant("Dr. Ayesha Khan");
    renderWith(CallView, h);
    h.mock.call.chatFrom(p.id, "one");
    h.mock.call.chatFrom(p.id, "two");
    await settle();
    const chat = screen.getByRole("button", { name: /^Chat/ });
    expect(chat).toHaveTextContent("2");
    await userEvent.click(chat);
    expect(chat).toHaveAttribute("aria-pressed", "true");
    expect(h.app.unreadChat).toBe(0);
  });
});
