// Vitest + jsdom: what jsdom lacks, replaced by fakes the tests can drive.
import "@testing-library/jest-dom/vitest";
import { afterEach } from "vitest";
import { FakeResizeObserver } from "./test/fakeResizeObserver";

globalThis.ResizeObserver = FakeResizeObserver as unknown as typeof ResizeObserver;

// jsdom has no canvas: VideoTile falls back to initials (as it would without graphics).
HTMLCanvasElement.prototype.getContext = (() =>
  null) as typeof HTMLCanvasElement.prototype.getContext;

// jsdom's <dialog> has no showModal/close.
if (typeof HTMLDialogElement !== "undefined" && !HTMLDialogElement.prototype.showModal) {
  HTMLDialogElement.prototype.showModal = function (this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function (this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
}

afterEach(() => {
  FakeResizeObserver.reset();
  document.documentElement.removeAttribute("dir");
  document.documentElement.removeAttribute("lang");
  sessionStorage.clear();
});
