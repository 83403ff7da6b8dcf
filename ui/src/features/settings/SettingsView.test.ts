import { screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderWith, settle, startApp, type Harness } from "../../test/render";
import SettingsView from "./SettingsView.svelte";

describe("settings", () => {
  let h: Harness;
  afterEach(() => h?.mock.dispose());

  it("disables settings that policy locks, says who set them, and lists them", async () => {
    h = await startApp({ scenario: "locked" });
    renderWith(SettingsView, h);
    await settle();
    const server = screen.getByRole("textbox", { name: "Server address" });
    expect(server).toBeDisabled();
    expect(server).toHaveValue("wss://meet.health.gov.pk");
    expect(server).toHaveAccessibleDescription(/Set by your IT department/);
    expect(screen.getByRole("combobox", { name: "Video encoder" })).toBeDisabled();
    expect(screen.getByRole("checkbox", { name: "Start Mulaqat when I sign in" })).toBeDisabled();
    expect(screen.getByRole("checkbox", { name: "Clinical audio" })).toBeEnabled();
    const managed = screen.getByRole("region", { name: "Managed by your organisation" });
    expect(
      within(managed)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["Server address", "Video encoder", "Start Mulaqat when I sign in"]);
  });

  it("has nothing locked without policy", async () => {
    h = await startApp();
    renderWith(SettingsView, h);
    await settle();
    expect(screen.getByRole("textbox", { name: "Server address" })).toBeEnabled();
    expect(screen.queryByRole("region", { name: "Managed by your organisation" })).toBeNull();
  });

  it("saves a change through updateSetting", async () => {
    h = await startApp();
    renderWith(SettingsView, h);
    await settle();
    await userEvent.click(screen.getByRole("checkbox", { name: "Clinical audio" }));
    expect(h.mock.callsOf("updateSetting")).toEqual([{ key: "clinicalAudio", value: true }]);
    const server = screen.getByRole("textbox", { name: "Server address" });
    await userEvent.type(server, "not a url");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(
      screen.getByText("A server address starts with wss:// or https://."),
    ).toBeInTheDocument();
    await userEvent.clear(server);
    await userEvent.type(server, "wss://meet.hospital.pk");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(h.mock.callsOf("updateSetting").at(-1)).toEqual({
      key: "serverUrl",
      value: "wss://meet.hospital.pk",
    });
  });

  it("switches the whole window to Urdu, right to left", async () => {
    h = await startApp();
    renderWith(SettingsView, h);
    await settle();
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Language" }), "ur");
    await settle();
    expect(document.documentElement).toHaveAttribute("dir", "rtl");
    expect(document.documentElement).toHaveAttribute("lang", "ur");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("ترتیبات");
  });
});
