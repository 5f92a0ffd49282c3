// Colour mode: follows the operating system unless the person picked one with the switch
// (kept in localStorage). Loaded in <head>, before the page paints, so there is no flash.
(function () {
  "use strict";
  const KEY = "platform-theme";
  const media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  const stored = () => {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  };
  const resolve = (choice) => (choice === "light" || choice === "dark" ? choice : media && media.matches ? "dark" : "light");
  function apply(choice) {
    const theme = resolve(choice);
    document.documentElement.setAttribute("data-bs-theme", theme);
    document.querySelectorAll("[data-theme-choice]").forEach((el) => {
      const active = el.dataset.themeChoice === (choice || "auto");
      el.classList.toggle("active", active);
      el.setAttribute("aria-pressed", String(active));
    });
    document.dispatchEvent(new CustomEvent("platform:theme", { detail: { theme } }));
  }
  apply(stored());
  if (media && media.addEventListener) media.addEventListener("change", () => apply(stored()));
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-theme-choice]");
    if (!button) return;
    const choice = button.dataset.themeChoice;
    try {
      if (choice === "auto") localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch (e) { /* private mode: the choice lasts for this page only */ }
    apply(choice === "auto" ? null : choice);
  });
  document.addEventListener("DOMContentLoaded", () => apply(stored()));
})();
