import "./styles/app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { connectBackend } from "./lib/ipc";
import { AppModel } from "./lib/state/app.svelte";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app");

let api = await connectBackend();
// Development and browser tests: `?mock=<scenario>&web` shows the browser client's screens on
// the mock (src/lib/web/simulate.ts). The web build has the real browser backend and drops this.
if (
  import.meta.env.MODE !== "web" &&
  api.backend.kind === "mock" &&
  new URLSearchParams(location.search).has("web")
) {
  const { simulateBrowser } = await import("./lib/web/simulate");
  api = simulateBrowser(api.backend, location.search);
}
const app = new AppModel(api);
mount(App, { target, props: { app } });
await app.start();
