// CPU time and memory of a process tree from /proc, for the browser-guest bench.

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

interface Stat {
  ppid: number;
  /** user + system CPU seconds so far. */
  cpu: number;
}

function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may hold spaces: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    return { ppid, cpu };
  } catch {
    return null; // gone
  }
}

/** `root` and every process below it. */
export function tree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s) parents.set(pid, s.ppid);
  }
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!inTree.has(pid) && inTree.has(ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  return [...inTree].filter((pid) => parents.has(pid));
}

/** CPU seconds used so far by `pids` together. */
export function cpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (stat(pid)?.cpu ?? 0), 0);
}

/** PSS of `pids` together, in MiB (shared pages split among the processes that map them). */
export function pssMiB(pids: number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      kib += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kib / 1024;
}

/** The pid whose command line holds `needle` and whose parent's does not (a tree's root). */
export function rootWith(needle: string): number | null {
  const holders = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle))
        holders.set(pid, stat(pid)?.ppid ?? 0);
    } catch {
      // gone
    }
  }
  for (const [pid, ppid] of holders) if (!holders.has(ppid)) return pid;
  return null;
}

export function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "?";
  const cores = readFileSync("/proc/cpuinfo", "utf8").match(/^processor/gm)?.length ?? 0;
  const kib = Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  return `${cores} cores, ${cpu}, ${Math.round(kib / 1024 / 1024)} GiB`;
}
