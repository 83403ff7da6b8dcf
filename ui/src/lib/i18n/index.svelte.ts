// Message catalogues (English, Urdu) and the page's language and direction.
// `t("key", { name })` reads the current locale, so templates re-render when it changes.

import en from "./en.json";
import ur from "./ur.json";
import type { Language } from "../ipc/contract";

export type Locale = "en" | "ur";
export type MessageKey = keyof typeof en;
export type Params = Record<string, string | number>;

const catalogues: Record<Locale, Record<string, string>> = { en, ur };

export const LOCALES: readonly Locale[] = ["en", "ur"];

/** The locale for a setting, falling back to the OS/browser languages. */
export function resolveLocale(setting: Language, languages: readonly string[]): Locale {
  if (setting === "en" || setting === "ur") return setting;
  for (const lang of languages) {
    const base = lang.toLowerCase().split("-")[0];
    if (base === "ur") return "ur";
    if (base === "en") return "en";
  }
  return "en";
}

export function directionOf(locale: Locale): "ltr" | "rtl" {
  return locale === "ur" ? "rtl" : "ltr";
}

/** `{name}` placeholders replaced; unknown placeholders stay visible (a bug shows, not hides). */
export function format(template: string, params: Params = {}, locale: Locale = "en"): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? new Intl.NumberFormat(locale).format(value) : value;
  });
}

class I18n {
  locale = $state<Locale>("en");
  readonly dir = $derived(directionOf(this.locale));

  t = (key: MessageKey, params?: Params): string => {
    const template = catalogues[this.locale][key] ?? catalogues.en[key] ?? key;
    return format(template, params, this.locale);
  };

  /** Plural forms: `key.one` / `key.other` with `{count}`. */
  tn = (key: string, count: number, params: Params = {}): string => {
    const rule = new Intl.PluralRules(this.locale).select(count);
    const form = rule === "one" ? "one" : "other";
    return this.t(`${key}.${form}` as MessageKey, { count, ...params });
  };

  number = (value: number, digits = 0): string =>
    new Intl.NumberFormat(this.locale, {
      maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    }).format(value);

  time = (millis: number): string =>
    new Intl.DateTimeFormat(this.locale, { hour: "numeric", minute: "2-digit" }).format(
      new Date(millis),
    );

  date = (millis: number): string =>
    new Intl.DateTimeFormat(this.locale, { dateStyle: "medium" }).format(new Date(millis));

  /** Sets the locale and mirrors it onto `<html lang dir>`. */
  apply(locale: Locale, doc: Document = document): void {
    this.locale = locale;
    doc.documentElement.lang = locale;
    doc.documentElement.dir = directionOf(locale);
  }
}

export const i18n = new I18n();
export const t = i18n.t;
export const tn = i18n.tn;
