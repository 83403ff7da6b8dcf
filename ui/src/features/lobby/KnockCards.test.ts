import { screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { inCall, renderWith, settle, type Harness } from "../../test/render";
import CallView from "../call/CallView.svelte";

describe("knocks for a host", () => {
  let h: Harness;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
  });

  it("shows a knock with Admit and Deny; Admit sends admitParticipant and the guest comes in", async () => {
    h = await inCall();
    renderWith(CallView, h);
    const knock = h.mock.call.knock("Fatima Bibi");
    await settle();
    const card = screen.getByTestId("knock-card");
    expect(card).toHaveTextContent("Fatima Bibi");
    expect(card).toHaveTextContent("is waiting to join");
    await userEvent.click(within(card).getByRole("button", { name: "Admit Fatima Bibi" }));
    expect(h.mock.callsOf("admitParticipant")).toEqual([{ participant: knock.id }]);
    await settle();
    expect(screen.queryByTestId("knock-card")).toBeNull();
    expect(screen.getByRole("figure", { name: "Fatima Bibi" })).toBeInTheDocument();
  });

  it("Deny sends denyParticipant and takes the card down", async () => {
    h = await inCall();
    renderWith(CallView, h);
    const knock = h.mock.call.knock("Stranger");
    await settle();
    await userEvent.click(screen.getByRole("button", { name: "Deny Stranger" }));
    expect(h.mock.callsOf("denyParticipant")).toEqual([{ participant: knock.id }]);
    await settle();
    expect(screen.queryByTestId("knock-card")).toBeNull();
    expect(screen.queryByRole("figure", { name: "Stranger" })).toBeNull();
  });

  it("announces the knock, asks the shell for an OS notification, and rings until answered", async () => {
    h = await inCall();
    renderWith(CallView, h);
    const knock = h.mock.call.knock("Fatima Bibi");
    await settle();
    expect(h.app.assertiveMessage).toBe("Fatima Bibi is waiting to join");
    expect(h.mock.notifications).toEqual([
      {
        tag: `knock:${knock.id}`,
        title: "Someone is waiting to join",
        body: "Fatima Bibi is waiting to join",
        actions: ["admit", "deny"],
      },
    ]);
    expect(h.app.knockAlert.ringing).toBe(true);
    h.mock.call.withdrawKnock(knock.id);
    await settle();
    expect(h.app.knockAlert.ringing).toBe(false);
  });

  it("stops the sound when muted, while the card stays", async () => {
    h = await inCall();
    renderWith(CallView, h);
    h.mock.call.knock("Fatima Bibi");
    await settle();
    await userEvent.click(screen.getByRole("checkbox", { name: "Mute the alert sound" }));
    expect(h.app.knockAlert.ringing).toBe(false);
    expect(screen.getByTestId("knock-card")).toBeInTheDocument();
  });

  it("admits from the OS notification's button", async () => {
    h = await inCall();
    const knock = h.mock.call.knock("Fatima Bibi");
    await settle();
    h.mock.emit("notification", { tag: `knock:${knock.id}`, action: "admit" });
    await settle();
    expect(h.mock.callsOf("admitParticipant")).toEqual([{ participant: knock.id }]);
  });

  it("lists people waiting in the participants panel for hosts, with admit", async () => {
    h = await inCall();
    renderWith(CallView, h);
    h.mock.call.knock("Fatima Bibi");
    await userEvent.click(screen.getByRole("button", { name: /People/ }));
    const panel = screen.getByRole("complementary", { name: "People" });
    expect(
      within(panel).getByRole("heading", { name: "Waiting in the lobby (1)" }),
    ).toBeInTheDocument();
    await userEvent.click(within(panel).getByRole("button", { name: "Admit Fatima Bibi" }));
    expect(h.mock.callsOf("admitParticipant")).toHaveLength(1);
  });

  it("lets a host remove someone after confirming", async () => {
    h = await inCall();
    const p = h.mock.call.addParticipant("Mallory");
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: /People/ }));
    await userEvent.click(screen.getByRole("button", { name: "Remove Mallory" }));
    expect(h.mock.callsOf("removeParticipant")).toEqual([]);
    await userEvent.click(screen.getByRole("button", { name: "Remove now" }));
    expect(h.mock.callsOf("removeParticipant")).toEqual([{ participant: p.id }]);
  });
});
