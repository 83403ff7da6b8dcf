import { screen, within } from "@testing-library/svelte";
import jsQR from "jsqr";
import { afterEach, describe, expect, it } from "vitest";
import type { StartedMeeting } from "../../lib/ipc/contract";
import { renderWith, startApp, until, type Harness } from "../../test/render";
import Invite from "./Invite.svelte";

const base: StartedMeeting = {
  room: "room-abc",
  hostLink: "mulaqat://join?server=wss%3A%2F%2Fmeet.hospital.example&token=mq1.host&role=host",
  guestLink: "mulaqat://join?server=wss%3A%2F%2Fmeet.hospital.example&token=mq1.guest&role=guest",
  roomCode: "room-abc",
  server: "configured",
  browserLink: "",
  browserLinkNote: null,
};
const BROWSER = "https://meet.hospital.example/join#t=mq1.guest";

/** The QR code's modules read back from its SVG path, then decoded like a camera would. */
function decodeSvg(svg: SVGSVGElement): string | null {
  const n = Number(svg.getAttribute("data-modules"));
  const margin = 4;
  const scale = 4;
  const side = (n + 2 * margin) * scale;
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  const d = svg.querySelector("path")?.getAttribute("d") ?? "";
  for (const [, xs, ys] of d.matchAll(/M(\d+) (\d+)/g)) {
    const x = Number(xs);
    const y = Number(ys);
    for (let dy = 0; dy < scale; dy++)
      for (let dx = 0; dx < scale; dx++) {
        const i = ((y * scale + dy) * side + x * scale + dx) * 4;
        data[i] = data[i + 1] = data[i + 2] = 0;
      }
  }
  return jsQR(data, side, side)?.data ?? null;
}

describe("a started meeting's invitation", () => {
  let h: Harness;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
  });

  it("shows the browser link to copy and a QR code of exactly that link", async () => {
    h = await startApp();
    renderWith(Invite, h, { meeting: { ...base, browserLink: BROWSER } });
    expect(screen.getByRole("textbox", { name: "Guest link" })).toHaveValue(base.guestLink);
    const field = screen.getByRole("textbox", { name: "Link for a browser (phone or computer)" });
    expect(field).toHaveValue(BROWSER);
    const qr = screen.getByTestId("browser-link-qr");
    await until(() => qr.querySelector("svg") !== null);
    const svg = qr.querySelector("svg") as SVGSVGElement;
    expect(svg.querySelector("title")).toHaveTextContent("QR code of the browser link");
    expect(decodeSvg(svg)).toBe((field as HTMLInputElement).value);
    expect(screen.queryByTestId("browser-note-insecureLan")).toBeNull();
  });

  it("says browser guests need the hospital server for a plain-http LAN link, and shows no code", async () => {
    h = await startApp();
    renderWith(Invite, h, {
      meeting: {
        ...base,
        server: "embedded",
        browserLink: "http://192.168.1.20:8717/join#t=x",
        browserLinkNote: "insecureLan",
      },
    });
    const invite = screen.getByTestId("browser-invite");
    expect(within(invite).getByRole("textbox")).toHaveValue("http://192.168.1.20:8717/join#t=x");
    expect(screen.getByTestId("browser-note-insecureLan")).toHaveTextContent(
      /Browser guests need the hospital server.*The desktop app works on this network/,
    );
    expect(screen.queryByTestId("browser-link-qr")).toBeNull();
  });

  it("says when the server has no browser client", async () => {
    h = await startApp();
    renderWith(Invite, h, {
      meeting: { ...base, browserLink: BROWSER, browserLinkNote: "noBrowserClient" },
    });
    expect(screen.getByTestId("browser-note-noBrowserClient")).toHaveTextContent(
      /cannot serve browser guests yet/,
    );
    expect(screen.queryByTestId("browser-link-qr")).toBeNull();
  });

  it("judges a plain-http LAN link by itself when the backend gives no note", async () => {
    h = await startApp();
    renderWith(Invite, h, {
      meeting: { ...base, browserLink: "http://10.0.0.7:8717/join#t=x", browserLinkNote: null },
    });
    expect(screen.getByTestId("browser-note-insecureLan")).toBeInTheDocument();
  });

  it("shows only the app's link when there is no browser link", async () => {
    h = await startApp();
    renderWith(Invite, h, { meeting: base });
    expect(screen.getByRole("textbox", { name: "Guest link" })).toBeInTheDocument();
    expect(screen.queryByTestId("browser-invite")).toBeNull();
  });
});
