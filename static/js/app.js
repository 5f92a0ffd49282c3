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
  // Job badges ([data-live-job]) follow their job over the job WebSocket until it finishes.
  const JOB_LABELS = { queued: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed" };
  const JOB_CLASSES = { queued: "text-bg-secondary", running: "text-bg-primary", succeeded: "text-bg-success", failed: "text-bg-danger" };
  const watching = new Map();
  function watchJobs(root) {
    (root || document).querySelectorAll("[data-live-job]").forEach((badge) => {
      const id = badge.dataset.liveJob;
      if (!watching.has(id)) watching.set(id, { socket: null, badges: new Set() });
      const entry = watching.get(id);
      entry.badges.add(badge);
      if (entry.socket || typeof WebSocket === "undefined") return;
      entry.socket = new WebSocket(window.platform.websocketUrl(`/ws/jobs/${id}/`));
      entry.socket.addEventListener("message", (event) => {
        const job = JSON.parse(event.data).job;
        if (!job) return;
        entry.badges.forEach((b) => {
          b.textContent = JOB_LABELS[job.status] || job.status;
          b.className = `badge ${JOB_CLASSES[job.status] || "text-bg-secondary"}`;
          b.dataset.status = job.status;
        });
        if (job.status === "succeeded" || job.status === "failed") {
          entry.socket.close();
          document.dispatchEvent(new CustomEvent("platform:job-finished", { detail: job }));
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", () => watchJobs(document));
  document.addEventListener("htmx:afterSwap", (event) => watchJobs(event.target));
  // Prices marked [data-live-symbol] follow the quote feed (the dashboard's movers, for instance).
  document.addEventListener("DOMContentLoaded", () => {
    const cells = document.querySelectorAll("[data-live-symbol]");
    if (!cells.length || typeof WebSocket === "undefined") return;
    const symbols = [...new Set([...cells].map((c) => c.dataset.liveSymbol))];
    const socket = new WebSocket(window.platform.websocketUrl("/ws/market/realtime/"));
    socket.addEventListener("open", () => socket.send(JSON.stringify({ action: "subscribe", symbols })));
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type !== "tick") return;
      const places = Math.abs(frame.price) < 10 ? 5 : 2;
      document.querySelectorAll(`[data-live-symbol="${CSS.escape(frame.symbol)}"]`).forEach((c) => {
        c.textContent = Number(frame.price).toLocaleString(undefined, { minimumFractionDigits: places, maximumFractionDigits: places });
      });
    });
  });
  window.platform = {
    websocketUrl(path) {
      const base = (meta && meta.content) || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
      return base.replace(/\/$/, "") + path;
    },
  };
})();
