// Entry point: log in with a partner's token (or the one kept for this tab), then run the console.

import { Api, ApiError } from "./api";
import { Console } from "./console";
import { byId, fill, h } from "./dom";
import { initialLanguage, isLanguage, LANGUAGE_NAMES, LANGUAGES, Locale } from "./i18n";
import type { Profile } from "./types";

async function main(): Promise<void> {
  const stored = Api.stored();
  if (stored !== null) {
    try {
      return await run(stored, await stored.logIn());
    } catch {
      stored.forget();
    }
  }
  showLogin(new Locale(initialLanguage()));
}

function showLogin(locale: Locale): void {
  locale.set(locale.language);
  const t = locale.t;
  const message = h("p", { class: "tb-error", role: "alert", hidden: true, "data-testid": "login-error" });
  const token = h("input", { id: "tb-token", name: "token", type: "password", autocomplete: "current-password", required: true });
  const form = h(
    "form",
    { class: "tb-login", "data-testid": "login" },
    h("h1", {}, "tanbih"),
    h("h2", {}, t.loginTitle),
    h("label", { for: "tb-token" }, t.tokenLabel),
    token,
    h("button", { type: "submit", class: "tb-primary" }, t.logIn),
    message,
    h("label", {}, t.language,
      h("select", { "data-testid": "language", onchange: (e: Event) => { const v = (e.target as HTMLSelectElement).value; if (isLanguage(v)) { locale.set(v); showLogin(locale); } } },
        ...LANGUAGES.map((l) => h("option", { value: l, selected: l === locale.language, lang: l }, LANGUAGE_NAMES[l])))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const api = new Api(token.value.trim());
    api
      .logIn()
      .then((profile) => {
        api.remember();
        return run(api, profile);
      })
      .catch((error: unknown) => {
        message.hidden = false;
        message.textContent = error instanceof ApiError && error.status === 401 ? t.loginFailed : String(error);
      });
  });
  fill(byId("app"), form);
  token.focus();
}

async function run(api: Api, profile: Profile): Promise<void> {
  const locale = new Locale(initialLanguage(profile.partner.languages));
  locale.set(locale.language);
  const zones = await api.zones();
  new Console(api, profile, locale, zones).start();
}

void main();
