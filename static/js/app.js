// The platform's own JavaScript. Where the page's WebSockets live (a setting, see WEBSOCKET_URL).
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="websocket-url"]');
  // <select data-fill-target="id">: choosing an option puts its value into that field.
  document.addEventListener("change", (event) => {
    const target = event.target.dataset && event.target.dataset.fillTarget;
    if (target && event.target.value) document.getElementById(target).value = event.target.value;
  });
  window.platform = {
    websocketUrl(path) {
      const base = (meta && meta.content) || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
      return base.replace(/\/$/, "") + path;
    },
  };
})();
