// The report page's editor: the Markdown toolbar of the section editors, the evidence
// panel (a citation chip shows its passage and plays the recording from there in one
// shared player), and the autosave conflict answer that htmx must swap in.
// Loaded with defer: no inline script is allowed by the Content-Security-Policy, and every
// piece of page text is set through textContent, never parsed as HTML.
(function () {
  "use strict";

  // --- Evidence panel --------------------------------------------------------------------

  let stopAt = null; // the end of the passage being played; null once reached or replaced

  function showEvidence(chip) {
    const panel = document.getElementById("evidence");
    if (!panel) return;
    const data = chip.dataset;
    const fields = {
      ".evidence-label": data.label,
      ".evidence-date": data.date,
      ".evidence-time": data.clock,
      ".evidence-speaker": data.speaker,
      ".evidence-text": data.text,
    };
    for (const [selector, value] of Object.entries(fields)) {
      const field = panel.querySelector(selector);
      if (field) field.textContent = value || "";
    }
    panel.querySelector(".evidence-passage").hidden = false;
    const empty = panel.querySelector(".evidence-empty");
    if (empty) empty.hidden = true;
    for (const other of document.querySelectorAll("button.cite[aria-pressed]")) {
      other.removeAttribute("aria-pressed");
    }
    chip.setAttribute("aria-pressed", "true");
    // Past the retention period the audio is deleted: say so instead of playing.
    const deleted = panel.querySelector(".evidence-audio-deleted");
    if (deleted) {
      deleted.textContent = data.audioDeleted || "";
      deleted.hidden = !data.audioDeleted;
    }
    play(panel.querySelector("audio"), data);
  }

  function play(audio, data) {
    if (!audio) return;
    if (!data.audio) {
      audio.pause(); // a passage whose audio is deleted: the previous one stops
      return;
    }
    const start = parseFloat(data.start) || 0;
    const end = parseFloat(data.end);
    const url = new URL(data.audio, document.baseURI).href;
    stopAt = Number.isFinite(end) && end > start ? end : null;
    const seek = function () {
      audio.currentTime = start;
      // A refused play (no audio output, autoplay rules) leaves the player ready at start.
      audio.play().catch(function () {});
    };
    // The player loads nothing until asked (preload none): now it must, to seek.
    audio.preload = "auto";
    if (audio.src !== url) {
      audio.src = url;
      audio.addEventListener("loadedmetadata", seek, { once: true });
      audio.load();
    } else if (audio.readyState >= HTMLMediaElement.HAVE_METADATA) {
      seek();
    } else {
      audio.addEventListener("loadedmetadata", seek, { once: true });
      audio.load();
    }
  }

  function watchPassageEnd(audio) {
    // Stop at the end of the passage once; pressing play again goes on listening.
    audio.addEventListener("timeupdate", function () {
      if (stopAt !== null && audio.currentTime >= stopAt) {
        stopAt = null;
        audio.pause();
      }
    });
    audio.addEventListener("seeking", function () {
      if (stopAt !== null && audio.currentTime > stopAt) stopAt = null;
    });
  }

  // --- Markdown toolbar ------------------------------------------------------------------

  function replaceSelection(textarea, text, selectStart, selectEnd) {
    const start = textarea.selectionStart;
    textarea.focus();
    // execCommand keeps the browser's undo (Ctrl+Z) working; setRangeText where it is gone.
    const done =
      typeof document.execCommand === "function" &&
      document.execCommand("insertText", false, text);
    if (!done) {
      textarea.setRangeText(text, start, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    textarea.setSelectionRange(start + selectStart, start + selectEnd);
  }

  function wrap(textarea, marker) {
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    const selected = value.slice(start, end);
    // Spaces selected with a word stay outside the markers: "** mot**" is not bold.
    const lead = selected.match(/^\s*/)[0];
    const trail = selected.slice(lead.length).match(/\s*$/)[0];
    const words = selected.slice(lead.length, selected.length - trail.length);
    const text = lead + marker + words + marker + trail;
    const at = lead.length + marker.length;
    replaceSelection(textarea, text, at, at + words.length);
  }

  function listLines(textarea, numbered) {
    const value = textarea.value;
    const start = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    let end = value.indexOf("\n", textarea.selectionEnd);
    if (end < 0) end = value.length;
    const lines = value.slice(start, end).split("\n");
    const marker = numbered ? /^\s*\d+[.)]\s+/ : /^\s*[-*+]\s+/;
    const listed = lines.every(function (line) {
      return !line.trim() || marker.test(line);
    });
    let number = 0;
    const result = lines.map(function (line) {
      if (!line.trim()) return line;
      if (listed) return line.replace(marker, ""); // pressed again: no longer a list
      const bare = line.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, "");
      number += 1;
      return (numbered ? number + ". " : "- ") + bare;
    });
    // A list right after a paragraph line needs a blank line to start.
    const before = value.slice(0, start);
    const gap = !listed && before.length && !/\n\s*\n$/.test(before) ? "\n" : "";
    textarea.setSelectionRange(start, end);
    const text = gap + result.join("\n");
    replaceSelection(textarea, text, text.length, text.length); // the caret after the list
  }

  const actions = {
    bold: function (textarea) { wrap(textarea, "**"); },
    italic: function (textarea) { wrap(textarea, "*"); },
    bullets: function (textarea) { listLines(textarea, false); },
    numbers: function (textarea) { listLines(textarea, true); },
  };

  function toolbarTextarea(button) {
    const toolbar = button.closest(".md-toolbar");
    return toolbar && document.getElementById(toolbar.getAttribute("aria-controls"));
  }

  function revealToolbars(root) {
    for (const toolbar of root.querySelectorAll(".md-toolbar[hidden]")) {
      toolbar.hidden = false;
    }
  }

  // --- Wiring ----------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    const chip = event.target.closest("button.cite");
    if (chip) {
      showEvidence(chip);
      return;
    }
    const tool = event.target.closest(".md-toolbar button[data-md]");
    if (tool) {
      const textarea = toolbarTextarea(tool);
      const action = actions[tool.dataset.md];
      if (textarea && action) action(textarea);
    }
  });

  document.addEventListener("keydown", function (event) {
    const textarea = event.target;
    if (!(event.ctrlKey || event.metaKey) || !textarea.matches(".text-form textarea")) return;
    const action = { b: actions.bold, i: actions.italic }[event.key.toLowerCase()];
    if (action) {
      event.preventDefault();
      action(textarea);
    }
  });

  // An autosave that meets someone else's save answers 409 with the conflict view, to be
  // shown in place of the editor (htmx swaps no error answer by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:load", function (event) {
    revealToolbars(event.detail.elt);
  });

  revealToolbars(document);
  const shared = document.querySelector("#evidence audio");
  if (shared) watchPassageEnd(shared);
})();
