// The platform's own JavaScript. Where the page's WebSockets live (a setting, see WEBSOCKET_URL).
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="websocket-url"]');
  // <select data-fill-target="id">: choosing an option puts its value into that field.
  document.addEventListener("change", (event) => {
    const target = event.target.dataset && event.target.dataset.fillTarget;
    if (target && event.target.value) document.getElementById(target).value = event.target.value;
  });
  // Fields that apply only to some choices (data-applies="controller-name:value value"): hidden,
  // and disabled so they are not sent, while another choice is selected.
  function applyRules(root) {
    (root || document).querySelectorAll("[data-applies]").forEach((field) => {
      const [controller, values] = field.dataset.applies.split(":");
      const form = field.form;
      const control = form && form.elements[controller];
      if (!control) return;
      const applies = values.split(" ").includes(control.value);
      const wrapper = field.closest(".mb-3, .form-check") || field;
      wrapper.hidden = !applies;
      field.disabled = !applies && !field.required;
    });
  }
  document.addEventListener("change", (event) => {
    if (event.target.form && event.target.form.querySelector("[data-applies]")) applyRules(event.target.form);
  });
  document.addEventListener("DOMContentLoaded", () => applyRules(document));
  document.addEventListener("htmx:afterSwap", (event) => applyRules(event.target));
  // <form data-confirm="Question?">: ask before submitting (deleting, for instance).
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
  window.platform = {
    websocketUrl(path) {
      const base = (meta && meta.content) || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
      return base.replace(/\/$/, "") + path;
    },
  };
})();
