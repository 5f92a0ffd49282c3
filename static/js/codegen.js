// The code playground: answers stream into a CodeMirror editor (Server-Sent Events over fetch),
// improve/explain work on the editor's content, improvements show as a diff (diff2html).
(function () {
  "use strict";
  const API = "/api/v1/codegen/";
  const MODES = {
    python: "python", javascript: "javascript", typescript: "text/typescript", go: "go", rust: "rust",
    java: "text/x-java", cpp: "text/x-c++src", csharp: "text/x-csharp", kotlin: "text/x-kotlin",
    ruby: "ruby", php: "php", swift: "swift", sql: "text/x-sql", html: "xml", json: "application/json",
  };
  let editor, controller = null;
  const $ = (id) => document.getElementById(id);

  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function status(text) { $("status").textContent = text; }

  function showError(message) {
    $("error").textContent = message;
    $("error").classList.toggle("d-none", !message);
    if (message) status("Failed: see the message above.");
  }

  const EXTENSIONS = { python: "py", javascript: "js", typescript: "ts", go: "go", rust: "rs", java: "java", cpp: "cpp", csharp: "cs", kotlin: "kt", ruby: "rb", php: "php", swift: "swift", sql: "sql", html: "html", json: "json" };

  // A template's parameters: a list with type, default and description, and the JSON prefilled
  // with every default (required ones left empty), so all that is missing is visible at once.
  function showTemplateHelp() {
    const help = $("template-help");
    const node = $("template-parameters");
    const info = node && $("template").value ? JSON.parse(node.textContent)[$("template").value] : null;
    help.replaceChildren();
    help.classList.toggle("d-none", !info);
    if (!info) return;
    if (info.description) {
      const p = document.createElement("p");
      p.className = "mb-1 text-body-secondary";
      p.textContent = info.description;
      help.appendChild(p);
    }
    const list = document.createElement("ul");
    list.className = "mb-1 ps-3";
    const prefill = {};
    (info.parameters || []).forEach((param) => {
      const item = document.createElement("li");
      const name = document.createElement("code");
      name.textContent = param.name;
      item.appendChild(name);
      const bits = [param.type || "text", param.required ? "required" : "optional"];
      if (param.default !== undefined && param.default !== null) bits.push("default " + JSON.stringify(param.default));
      if (param.choices) bits.push("one of " + param.choices.join(", "));
      item.appendChild(document.createTextNode(" (" + bits.join(", ") + ")" + (param.description ? ": " + param.description : "")));
      list.appendChild(item);
      prefill[param.name] = param.default !== undefined && param.default !== null ? param.default : "";
    });
    if (!list.children.length) list.appendChild(document.createTextNode("No parameters."));
    help.appendChild(list);
    $("params").value = JSON.stringify(prefill, null, 2);
  }

  function download() {
    const blob = new Blob([editor.getValue()], { type: "text/plain;charset=utf-8" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = ($("template").value || "code") + "." + (EXTENSIONS[language()] || "txt");
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(editor.getValue());
      status("Copied to the clipboard.");
    } catch (e) {
      editor.focus();
      editor.execCommand("selectAll");
      status("Press Ctrl+C (or ⌘C) to copy the selected code.");
    }
  }

  function language() { return $("language").value; }

  function setMode() { editor.setOption("mode", MODES[language()] || null); }

  function busy(on) {
    ["generate", "improve", "explain", "project"].forEach((id) => { if ($("codegen").dataset.configured === "1") $(id).disabled = on; });
    $("cancel").classList.toggle("d-none", !on);
  }

  function stripFence(text) {
    const start = text.indexOf("```");
    if (start === -1) return text;
    const body = text.indexOf("\n", start) + 1;
    const end = text.indexOf("```", body);
    return text.slice(body, end === -1 ? undefined : end).replace(/\n$/, "");
  }

  function renderMarkdown(target, text) {
    target.innerHTML = window.DOMPurify.sanitize(window.marked.parse(text));
  }

  async function errorOf(response) {
    try {
      const body = await response.json();
      const fields = Object.entries(body.error.fields || {}).map(([k, v]) => k + ": " + [].concat(v).join(" "));
      return fields.length ? fields.join("; ") : body.error.message;
    } catch (e) {
      return "The request failed (" + response.status + ").";
    }
  }

  // POST a generation with ?stream=1 and call onText for every piece; resolves with the generation.
  async function streamed(path, body, onText) {
    controller = new AbortController();
    busy(true);
    showError("");
    try {
      const response = await fetch(API + path + "?stream=1", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(await errorOf(response));
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "", generationId = null;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let split;
        while ((split = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          const data = JSON.parse(block.split("\n").find((l) => l.startsWith("data: ")).slice(6));
          if (data.type === "text") onText(data.text);
          else if (data.type === "done") generationId = data.generation;
          else if (data.type === "error") throw new Error(data.message);
        }
      }
      if (generationId === null) throw new Error("The answer stopped before it was complete.");
      const generation = await (await fetch(API + "history/" + generationId + "/")).json();
      addHistory(generation);
      return generation;
    } catch (e) {
      if (e.name === "AbortError") { status("Cancelled."); return null; }
      showError(e.message);
      status("Failed.");
      return null;
    } finally {
      busy(false);
      controller = null;
    }
  }

  function describe(g) {
    const u = g.usage;
    return g.model + " · " + u.input_tokens + " in, " + u.output_tokens + " out" +
      (u.cache_read_tokens ? ", " + u.cache_read_tokens + " from cache" : "") + " · $" + g.cost + " · " + g.duration_ms + " ms";
  }

  function showSyntax(g) {
    const s = g.syntax || {};
    const badge = $("syntax");
    badge.className = "badge " + (s.checked ? (s.ok ? "text-bg-success" : "text-bg-danger") : "text-bg-light");
    badge.textContent = s.checked ? (s.ok ? "parses (" + s.tool + ")" : "does not parse: " + s.error) : "";
  }

  function addHistory(g) {
    const item = document.createElement("li");
    item.className = "list-group-item";
    const link = document.createElement("a");
    link.href = "#";
    link.dataset.generation = g.id;
    link.textContent = g.kind + " · " + g.language;
    item.appendChild(link);
    $("history").querySelectorAll("li:not(:has(a))").forEach((empty) => empty.remove());  // "Nothing yet."
    $("history").prepend(item);
  }

  async function generate() {
    let params = {};
    try { params = JSON.parse($("params").value || "{}"); } catch (e) { return showError("Template parameters: not valid JSON."); }
    let text = "";
    editor.setValue("");
    $("explanation-card").classList.add("d-none");
    $("diff-card").classList.add("d-none");
    status("Generating…");
    const body = { prompt: $("prompt").value, language: language() };
    if ($("template").value) Object.assign(body, { template: $("template").value, params: params });
    const g = await streamed("generate/code/", body, (piece) => {
      text += piece;
      editor.setValue(stripFence(text));
      editor.setCursor(editor.lineCount(), 0);
    });
    if (!g) return;
    editor.setValue(g.code);
    showSyntax(g);
    if (g.explanation) { renderMarkdown($("explanation"), g.explanation); $("explanation-card").classList.remove("d-none"); }
    status(describe(g));
  }

  async function improve() {
    const original = editor.getValue();
    let text = "";
    status("Improving…");
    const g = await streamed("generate/improve/", { code: original, language: language(), goal: $("goal").value }, (piece) => {
      text += piece;
      status("Improving… " + text.length + " characters");
    });
    if (!g) return;
    editor.setValue(g.code);
    showSyntax(g);
    renderMarkdown($("explanation"), g.explanation || "");
    $("explanation-card").classList.toggle("d-none", !g.explanation);
    const ui = new window.Diff2HtmlUI($("diff"), g.diff, { drawFileList: false, outputFormat: "side-by-side", matching: "lines" });
    ui.draw();
    $("diff-card").classList.remove("d-none");
    status(describe(g));
  }

  async function explain() {
    let text = "";
    $("explanation-card").classList.remove("d-none");
    $("explanation").textContent = "";
    status("Explaining…");
    const g = await streamed("generate/explain/", { code: editor.getValue(), language: language() }, (piece) => {
      text += piece;
      $("explanation").textContent = text;
    });
    if (!g) return;
    renderMarkdown($("explanation"), g.explanation);
    status(describe(g));
  }

  async function renderTemplate() {
    const slug = $("template").value;
    if (!slug) return showError("Choose a template first.");
    let params;
    try { params = JSON.parse($("params").value || "{}"); } catch (e) { return showError("Template parameters: not valid JSON."); }
    const response = await fetch(API + "generate/templates/" + slug + "/render/", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ params: params }),
    });
    if (!response.ok) return showError(await errorOf(response));
    const body = await response.json();
    showError("");
    $("language").value = body.language;
    setMode();
    editor.setValue(body.code);
    status("Rendered " + body.template + " v" + body.version + " (offline).");
  }

  async function project() {
    showError("");
    status("Generating a project (a background job)…");
    busy(true);
    try {
      const response = await fetch(API + "generate/project/", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ prompt: $("prompt").value, language: language() }),
      });
      if (!response.ok) throw new Error(await errorOf(response));
      const url = (await response.json()).url;
      let job;
      for (;;) {
        job = await (await fetch(url)).json();
        if (job.status === "succeeded" || job.status === "failed") break;
        status("Generating a project… " + job.progress + "%");
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      if (job.status === "failed") throw new Error(job.error);
      await showProject(job.result.generation, job.result.refused);
    } catch (e) {
      showError(e.message);
      status("Failed.");
    } finally {
      busy(false);
    }
  }

  async function showProject(id, refused) {
    const body = await (await fetch(API + "projects/" + id + "/files/")).json();
    const list = $("project-files");
    list.replaceChildren();
    body.files.forEach((f) => {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-action";
      item.textContent = f.path + "  (" + f.size + " bytes)";
      item.addEventListener("click", () => { editor.setValue(f.content); status(f.path); });
      list.appendChild(item);
    });
    $("project-zip").href = API + "projects/" + id + "/zip/";
    $("project-refused").textContent = refused && refused.length
      ? "Refused: " + refused.map((r) => r.path + " (" + r.reason + ")").join(", ")
      : body.summary;
    $("project-card").classList.remove("d-none");
    if (body.files.length) editor.setValue(body.files[0].content);
    status(body.files.length + " files.");
  }

  async function load(id) {
    const g = await (await fetch(API + "history/" + id + "/")).json();
    $("language").value = g.language;
    setMode();
    editor.setValue(g.code || g.input_code || "");
    showSyntax(g);
    if (g.explanation) { renderMarkdown($("explanation"), g.explanation); $("explanation-card").classList.remove("d-none"); }
    status(describe(g));
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!$("codegen")) return;
    editor = window.CodeMirror.fromTextArea($("editor"), { lineNumbers: true, indentUnit: 4 });
    $("editor").codemirror = editor;
    setMode();
    $("language").addEventListener("change", setMode);
    $("template").addEventListener("change", () => {
      const chosen = $("template").selectedOptions[0];
      if (chosen && chosen.dataset.language) { $("language").value = chosen.dataset.language; setMode(); }
      showTemplateHelp();
    });
    $("copy").addEventListener("click", copy);
    $("download").addEventListener("click", download);
    $("generate").addEventListener("click", generate);
    $("improve").addEventListener("click", improve);
    $("explain").addEventListener("click", explain);
    $("render").addEventListener("click", renderTemplate);
    $("project").addEventListener("click", project);
    $("cancel").addEventListener("click", () => { if (controller) controller.abort(); });
    $("history").addEventListener("click", (event) => {
      const link = event.target.closest("a[data-generation]");
      if (link) { event.preventDefault(); load(link.dataset.generation); }
    });
  });
})();
