// A ResizeObserver the tests resize by hand: `FakeResizeObserver.resize(el, w, h)`.

export class FakeResizeObserver {
  static instances = new Set<FakeResizeObserver>();
  private readonly targets = new Set<Element>();

  constructor(private readonly callback: ResizeObserverCallback) {
    FakeResizeObserver.instances.add(this);
  }

  observe(target: Element): void {
    this.targets.add(target);
  }

  unobserve(target: Element): void {
    this.targets.delete(target);
  }

  disconnect(): void {
    this.targets.clear();
    FakeResizeObserver.instances.delete(this);
  }

  /** Reports a new content size for `target` to every observer watching it. */
  static resize(target: Element, width: number, height: number): void {
    for (const o of FakeResizeObserver.instances) {
      if (!o.targets.has(target)) continue;
      const ratio = globalThis.devicePixelRatio || 1;
      const entry = {
        target,
        contentRect: { width, height, x: 0, y: 0, top: 0, left: 0, bottom: height, right: width },
        borderBoxSize: [{ inlineSize: width, blockSize: height }],
        contentBoxSize: [{ inlineSize: width, blockSize: height }],
        devicePixelContentBoxSize: [{ inlineSize: width * ratio, blockSize: height * ratio }],
      } as unknown as ResizeObserverEntry;
      o.callback([entry], o as unknown as ResizeObserver);
    }
  }

  static observing(target: Element): boolean {
    return [...FakeResizeObserver.instances].some((o) => o.targets.has(target));
  }

  static reset(): void {
    FakeResizeObserver.instances.clear();
  }
}
