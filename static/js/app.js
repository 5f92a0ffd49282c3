// The platform's own JavaScript. Where the page's WebSockets live (a setting, see WEBSOCKET_URL).
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="websocket-url"]');
  window.platform = {
    websocketUrl(path) {
      const base = (meta && meta.content) || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
      return base.replace(/\/$/, "") + path;
    },
  };
})();
