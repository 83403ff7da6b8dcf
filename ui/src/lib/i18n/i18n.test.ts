import { describe, expect, it } from "vitest";
import en from "./en.json";
import ur from "./ur.json";
import { format, i18n, resolveLocale } from "./index.svelte";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("message catalogues", () => {
  it("have the same keys in English and Urdu", () => {
    expect(Object.keys(ur).sort()).toEqual(Object.keys(en).sort());
  });

  it("use the same placeholders in both languages", () => {
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders((ur as Record<string, string>)[key] ?? ""), key).toEqual(
        placeholders(text),
      );
    }
  });

  it("are really translated: Urdu strings are written in Urdu script", () => {
    const arabicScript = /[\u0600-\u06FF]/;
    const untranslated = Object.entries(ur).filter(
      ([key, text]) => !arabicScript.test(text) && !["quality.p2160"].includes(key),
    );
    expect(untranslated).toEqual([]);
  });

  it("have no empty messages", () => {
    for (const cat of [en, ur])
      for (const [k, v] of Object.entries(cat)) expect(v.trim(), k).not.toBe("");
  });
});

describe("resolveLocale", () => {
  it("follows the setting, else the system languages, else English", () => {
    expect(resolveLocale("ur", ["en-GB"])).toBe("ur");
    expect(resolveLocale("en", ["ur-PK"])).toBe("en");
    expect(resolveLocale("system", ["ur-PK", "en"])).toBe("ur");
    expect(resolveLocale("system", ["de-DE", "en-US"])).toBe("en");
    expect(resolveLocale("system", ["fr"])).toBe("en");
  });
});

describe("format and apply", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(format("{name} is waiting ({n})", { name: "Ali" })).toBe("Ali is waiting ({n})");
    expect(format("{count} people", { count: 1200 }, "en")).toBe("1,200 people");
  });

  it("sets lang and dir on <html> and translates", () => {
    i18n.apply("ur", document);
    expect(document.documentElement.lang).toBe("ur");
    expect(document.documentElement.dir).toBe("rtl");
    expect(i18n.t("call.leave")).toBe("چھوڑ دیں");
    i18n.apply("en", document);
    expect(document.documentElement.dir).toBe("ltr");
    expect(i18n.t("call.leave")).toBe("Leave");
  });
});
