// A Svelte action reporting an element's content size (CSS pixels) on every resize.

export type SizeListener = (width: number, height: number) => void;

export function observeSize(node: HTMLElement, listener: SizeListener) {
  let current = listener;
  const report = (w: number, h: number) => current(w, h);
  const rect = node.getBoundingClientRect();
  report(rect.width, rect.height);
  if (typeof ResizeObserver === "undefined") return { update: (l: SizeListener) => (current = l) };
  const observer = new ResizeObserver((entries) => {
    const box = entries[entries.length - 1]?.contentRect;
    if (box) report(box.width, box.height);
  });
  observer.observe(node);
  return {
    update(l: SizeListener) {
      current = l;
    },
    destroy() {
      observer.disconnect();
    },
  };
}
