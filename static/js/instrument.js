// The instrument page: candlestick chart with overlays, volume in its own band, RSI and MACD panes,
// a crosshair readout, and the live price (it moves the last candle while ticks belong to it, and is
// a separate dashed "live" line when they do not, as with a simulated price years after the history).
(function () {
  "use strict";
  const el = document.getElementById("price-chart");
  if (!el || typeof LightweightCharts === "undefined") return;
  const LC = LightweightCharts;
  const status = document.getElementById("chart-status");
  const readout = document.getElementById("chart-readout");
  const toTime = (iso) => Math.floor(Date.parse(iso) / 1000);
  const num = (v) => Number(v);
  const INTERVAL_SECONDS = { "1m": 60, "5m": 300, "15m": 900, "1h": 3600, "1d": 86400, "1wk": 604800, "1mo": 2678400 };
  const barSeconds = INTERVAL_SECONDS[el.dataset.interval] || 86400;

  function themeColours() {
    const style = getComputedStyle(document.body);
    const dark = document.documentElement.getAttribute("data-bs-theme") === "dark";
    return {
      background: style.getPropertyValue("--bs-body-bg").trim() || (dark ? "#212529" : "#ffffff"),
      text: style.getPropertyValue("--bs-body-color").trim() || (dark ? "#dee2e6" : "#212529"),
      grid: dark ? "#343a40" : "#f1f3f5",
      separator: dark ? "#495057" : "#dee2e6",
    };
  }
  function chartLayout() {
    const c = themeColours();
    return {
      // The library's logo comes with an inline <style> our CSP refuses; the page credits TradingView
      // in text instead, as its licence asks.
      layout: { attributionLogo: false, background: { color: c.background }, textColor: c.text, panes: { separatorColor: c.separator } },
      grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } },
    };
  }

  const chart = LC.createChart(el, {
    height: 600,
    ...chartLayout(),
    timeScale: { timeVisible: el.dataset.interval.endsWith("h") || el.dataset.interval.endsWith("m") },
  });
  document.addEventListener("platform:theme", () => chart.applyOptions(chartLayout()));

  // Pane 0: price. Pane 1: volume. Pane 2: RSI. Pane 3: MACD. Titles label each pane on its scale.
  const candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: "#198754", downColor: "#dc3545", borderVisible: false, wickUpColor: "#198754", wickDownColor: "#dc3545", title: "Price",
  }, 0);
  const volume = chart.addSeries(LC.HistogramSeries, { priceFormat: { type: "volume" }, color: "#adb5bd", title: "Volume", priceLineVisible: false }, 1);
  const line = (color, pane, title, width = 1) =>
    chart.addSeries(LC.LineSeries, { color, lineWidth: width, priceLineVisible: false, lastValueVisible: Boolean(title), title: title || "" }, pane);
  const overlays = {
    sma_20: line("#0d6efd", 0), sma_50: line("#fd7e14", 0), sma_200: line("#6f42c1", 0),
    bb_upper: line("rgba(108,117,125,.6)", 0), bb_lower: line("rgba(108,117,125,.6)", 0),
    rsi_14: line("#20c997", 2, "RSI 14", 2), macd: line("#0d6efd", 3, "MACD", 2), macd_signal: line("#fd7e14", 3, "signal"),
  };
  const macdHist = chart.addSeries(LC.HistogramSeries, { priceLineVisible: false, lastValueVisible: false }, 3);
  for (const level of [30, 70]) {
    overlays.rsi_14.createPriceLine({ price: level, color: level === 70 ? "#dc3545" : "#198754", lineWidth: 1, lineStyle: LC.LineStyle.Dashed, axisLabelVisible: true, title: String(level) });
  }
  // Relative pane heights: price, volume, RSI, MACD.
  function sizePanes() {
    const panes = chart.panes();
    [5.5, 1.2, 1.5, 1.8].forEach((factor, i) => panes[i] && panes[i].setStretchFactor(factor));
  }
  sizePanes();

  // Crosshair readout: OHLC, volume and every indicator at the pointed bar.
  const labels = { sma_20: "SMA20", sma_50: "SMA50", sma_200: "SMA200", bb_upper: "BB↑", bb_lower: "BB↓", rsi_14: "RSI", macd: "MACD", macd_signal: "signal" };
  const fmt = (v, places = 2) => (v === undefined || v === null || Number.isNaN(v) ? "—" : Number(v).toLocaleString(undefined, { minimumFractionDigits: places, maximumFractionDigits: places }));
  chart.subscribeCrosshairMove((param) => {
    if (!readout) return;
    const bar = param.time !== undefined ? param.seriesData.get(candles) : null;
    if (!bar) {
      readout.textContent = "Point at the chart to read the values.";
      return;
    }
    const day = new Date(param.time * 1000).toISOString().slice(0, barSeconds < 86400 ? 16 : 10).replace("T", " ");
    const parts = [`${day}  O ${fmt(bar.open)} H ${fmt(bar.high)} L ${fmt(bar.low)} C ${fmt(bar.close)}`];
    const vol = param.seriesData.get(volume);
    if (vol) parts.push(`Vol ${Number(vol.value).toLocaleString()}`);
    for (const [name, series] of Object.entries(overlays)) {
      const point = param.seriesData.get(series);
      if (point && point.value !== undefined) parts.push(`${labels[name]} ${fmt(point.value)}`);
    }
    readout.textContent = parts.join(" · ");
    readout.dataset.filled = "1";
  });

  let lastBar = null;
  let liveLine = null;
  async function load(range) {
    status.textContent = "Loading…";
    const url = `${el.dataset.historyUrl}?range=${range}&indicators=true&max_points=2000`;
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) {
      status.textContent = "The chart could not be loaded.";
      return;
    }
    const data = await response.json();
    const bars = data.bars.map((b) => ({ time: toTime(b.time), open: num(b.open), high: num(b.high), low: num(b.low), close: num(b.close) }));
    candles.setData(bars);
    lastBar = bars.length ? { ...bars[bars.length - 1] } : null;
    volume.setData(data.bars.map((b) => ({ time: toTime(b.time), value: num(b.volume), color: num(b.close) >= num(b.open) ? "rgba(25,135,84,.5)" : "rgba(220,53,69,.5)" })));
    for (const [name, series] of Object.entries(overlays)) {
      series.setData((data.indicators[name] || []).map((p) => ({ time: toTime(p.time), value: p.value })));
    }
    macdHist.setData((data.indicators.macd_hist || []).map((p) => ({ time: toTime(p.time), value: p.value, color: p.value >= 0 ? "rgba(25,135,84,.5)" : "rgba(220,53,69,.5)" })));
    sizePanes();
    chart.timeScale().fitContent();
    el.dataset.points = String(data.bars.length);
    status.textContent = `${data.bars.length} ${data.interval} bars${data.downsampled ? " (merged to fit)" : ""}`;
  }

  // A tick inside (or just after) the last stored bar moves that candle; otherwise it is a live line.
  function applyTick(frame) {
    if (!lastBar) return;
    const at = frame.time ? toTime(frame.time) : Math.floor(Date.now() / 1000);
    const price = Number(frame.price);
    if (frame.source !== "simulated" && at >= lastBar.time && at < lastBar.time + 2 * barSeconds) {
      const start = at < lastBar.time + barSeconds ? lastBar.time : lastBar.time + barSeconds;
      if (start !== lastBar.time) lastBar = { time: start, open: lastBar.close, high: lastBar.close, low: lastBar.close, close: lastBar.close };
      lastBar = { ...lastBar, high: Math.max(lastBar.high, price), low: Math.min(lastBar.low, price), close: price };
      candles.update(lastBar);
      el.dataset.liveMode = "candle";
      return;
    }
    const options = { price, color: "#d63384", lineWidth: 1, lineStyle: LC.LineStyle.Dashed, axisLabelVisible: true, title: frame.source === "simulated" ? "live (simulated)" : "live" };
    if (liveLine) liveLine.applyOptions(options);
    else liveLine = candles.createPriceLine(options);
    el.dataset.liveMode = "line";
  }

  document.querySelectorAll("#range-picker [data-range]").forEach((button) => {
    button.addEventListener("click", () => {
      document.querySelectorAll("#range-picker .active").forEach((b) => b.classList.remove("active"));
      button.classList.add("active");
      load(button.dataset.range);
    });
  });
  const active = document.querySelector("#range-picker .active");
  load(active ? active.dataset.range : "1y");

  // Live price over the WebSocket (the session cookie authenticates it).
  const price = document.getElementById("live-price");
  const change = document.getElementById("live-change");
  const source = document.getElementById("live-source");
  const format = (v) => Number(v).toLocaleString(undefined, { minimumFractionDigits: Math.abs(v) < 10 ? 5 : 2, maximumFractionDigits: Math.abs(v) < 10 ? 5 : 2 });
  function connect(delay) {
    const socket = new WebSocket(window.platform.websocketUrl("/ws/market/realtime/"));
    socket.addEventListener("open", () => socket.send(JSON.stringify({ action: "subscribe", symbols: [el.dataset.symbol] })));
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type !== "tick" || frame.symbol !== el.dataset.symbol) return;
      price.textContent = format(frame.price);
      price.dataset.updates = String(Number(price.dataset.updates || 0) + 1);
      if (frame.change_percent !== undefined) {
        change.textContent = `${frame.change_percent >= 0 ? "+" : ""}${frame.change_percent.toFixed(2)}%`;
        change.className = frame.change_percent >= 0 ? "text-success" : "text-danger";
      }
      source.textContent = frame.source;
      source.className = `badge text-bg-${frame.source === "simulated" ? "warning" : "secondary"}`;
      const note = document.getElementById("simulated-note");
      if (note) note.hidden = frame.source !== "simulated";
      applyTick(frame);
    });
    socket.addEventListener("close", () => setTimeout(() => connect(Math.min(delay * 2, 30000)), delay));
  }
  connect(1000);
})();
