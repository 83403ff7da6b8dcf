import "./styles/app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { connectBackend } from "./lib/ipc";
import { AppModel } from "./lib/state/app.svelte";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app");

const api = await connectBackend();
const app = new AppModel(api);
mount(App, { target, props: { app } });
await app.start();
