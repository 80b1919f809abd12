// Recruitment weeks: the contact log that survives a lost connection, and the results charts.
//
// The contact log (a session's page): every conversation gets its own client_id (a UUID made in the
// browser) and goes into a queue kept in localStorage before anything is sent; the queue is sent to
// the portal as JSON (with the CSRF header), one entry at a time, whenever the network is there: at
// once, when the browser says it is back online, and every few seconds while anything waits. An
// entry leaves the queue only when the portal answers that it is saved (201) or was already saved
// (200: organising keeps one conversation per session and client_id, so sending an entry twice,
// from a retry or from two open tabs, never saves it twice). An entry the service refuses comes
// back into the form with the reasons beside the fields. An entry holds what was typed (a person's
// name and number too, when given) only until it is saved. Without JavaScript the form posts as
// usual, with a client_id made when the page was shown. A person picked from the branch's target list
// travels as target_entry_id, one more field of the entry.
//
// Charts: each table.data-chart is drawn as a bar chart (Chart.js, static/vendor) on the canvas it
// names; the table stays beside it as the accessible form of the same numbers.
(function () {
  "use strict";
  const KEY = "casework.organising.queue.v1";
  const RETRY_MS = 5000;

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // randomUUID needs a secure context (https or localhost); a version 4 UUID from random bytes otherwise.
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // The queue is read from storage every time: another tab of the portal may have changed it.
  function load() {
    try {
      const queue = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(queue) ? queue : [];
    } catch (error) {
      return [];
    }
  }

  function save(queue) {
    window.localStorage.setItem(KEY, JSON.stringify(queue));
  }

  function add(entry) {
    const queue = load();
    if (!queue.some((e) => e.client_id === entry.client_id)) queue.push(entry);
    save(queue);
  }

  function remove(clientId) {
    save(load().filter((e) => e.client_id !== clientId));
  }

  function csrfToken() {
    const input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  const form = document.querySelector("form.contact-log[data-contact-log]");
  // Entries are sent only as the person who typed them (a shared phone may be signed in as someone
  // else later) and only from a page with the contact form, which says who is signed in.
  const me = form ? form.dataset.user : null;
  const mine = () => load().filter((e) => e.user === me);
  const statusLine = form ? form.querySelector("[data-queue-status]") : null;
  const problemLine = form ? form.querySelector("[data-problem]") : null;
  const logged = document.querySelector("[data-logged]");
  const loggedCount = document.querySelector("[data-logged-count]");
  let lastSaved = "";

  function showStatus() {
    if (!statusLine) return;
    const waiting = mine().length;
    let text = lastSaved;
    if (waiting) {
      text = `${waiting} waiting to send`;
      if (!navigator.onLine) text += " (no connection: they are kept on this phone and sent when it is back)";
    }
    if (statusLine.textContent !== text) statusLine.textContent = text;
  }

  function showProblem(message) {
    if (!problemLine) return;
    problemLine.textContent = message;
    problemLine.hidden = !message;
  }

  function clearFieldErrors() {
    if (!form) return;
    form.querySelectorAll(".field-error[data-js]").forEach((span) => span.remove());
    form.querySelectorAll("[aria-invalid]").forEach((field) => {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    });
  }

  // A reason beside its field: before the fieldset's first choice, or before the input.
  function showFieldError(name, message) {
    const field = form.querySelector(`[name="${name}"]`);
    if (!field) return false;
    const group = field.type === "radio" || field.type === "checkbox" ? field.closest("fieldset") : field;
    const span = document.createElement("span");
    span.className = "field-error";
    span.dataset.js = "";
    span.id = `c-${name}-error`;
    span.textContent = message;
    if (group.tagName === "FIELDSET") {
      group.querySelector("legend").after(span);
      group.setAttribute("aria-describedby", span.id);
    } else {
      group.before(span);
      group.setAttribute("aria-invalid", "true");
      group.setAttribute("aria-describedby", span.id);
    }
    const panel = group.closest("details");
    if (panel) panel.open = true;
    return true;
  }

  // A refused entry back in the form (so nothing typed is lost), with the reasons beside the fields.
  function refill(entry, answer) {
    if (!form) return;
    clearFieldErrors();
    form.reset();
    Object.entries(entry.fields).forEach(([name, value]) => {
      const fields = form.querySelectorAll(`[name="${name}"]`);
      fields.forEach((field) => {
        if (field.type === "radio") field.checked = field.value === value;
        else if (field.type === "checkbox") field.checked = true;
        else field.value = value;
      });
      if (!fields.length && name === "follow_up_id") {
        const hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = name;
        hidden.value = value;
        form.append(hidden);
      }
    });
    ["petition_signed", "card_left"].forEach((name) => {
      const box = form.querySelector(`[name="${name}"]`);
      if (box) box.checked = name in entry.fields;
    });
    const errors = (answer && answer.errors) || {};
    let placed = 0;
    Object.entries(errors).forEach(([name, message]) => {
      if (name && showFieldError(name, message)) placed += 1;
    });
    const message = (answer && answer.message) || "The conversation could not be saved.";
    showProblem(`Not saved. ${placed ? errors[""] || "Please correct the fields marked below." : message}`);
  }

  function noteSaved(entry, answer) {
    lastSaved = answer.duplicate ? "Already saved." : `Saved: ${answer.summary || "conversation"}.`;
    if (!answer.duplicate && logged && form && entry.url === form.getAttribute("action")) {
      const item = document.createElement("li");
      item.textContent = answer.summary || "Conversation";
      logged.prepend(item); // newest first, as the page lists them
      if (loggedCount) loggedCount.textContent = String(logged.children.length);
    }
  }

  let sending = false;
  let again = false; // an entry was added while a send was under way: go round once more

  // Send the waiting entries, oldest first; stop at the first that cannot be sent now (no network,
  // signed out, the portal or the service busy) and keep it and the rest for the next try.
  async function flush() {
    if (sending) {
      again = true;
      return;
    }
    sending = true;
    again = false;
    let stopped = false;
    try {
      for (const entry of mine()) {
        if (!navigator.onLine) {
          stopped = true;
          break;
        }
        let response;
        try {
          response = await fetch(entry.url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
            body: JSON.stringify(entry.fields),
          });
        } catch (error) {
          stopped = true; // the network went while sending: the entry waits
          break;
        }
        const isJson = (response.headers.get("Content-Type") || "").startsWith("application/json");
        const answer = isJson ? await response.json().catch(() => null) : null;
        if (response.ok && answer && answer.ok) {
          remove(entry.client_id);
          noteSaved(entry, answer);
          continue;
        }
        if (response.status === 401) {
          showProblem("Sign in again (open any page of the portal) to send the waiting conversations.");
          stopped = true;
          break;
        }
        if (!answer || response.status >= 500 || response.status === 429) {
          // Not the portal's answer about this entry (a proxy page, an expired form token, a busy
          // service): the entry is kept and sent again later.
          if (response.status === 400) showProblem("Reload this page to send the waiting conversations.");
          stopped = true;
          break;
        }
        remove(entry.client_id); // refused as it is: sending it again would be refused again
        refill(entry, answer);
      }
    } finally {
      sending = false;
      showStatus();
    }
    if (again && !stopped) flush();
  }

  // Slips worth catching before an entry waits offline; the service still decides everything.
  function checkBeforeQueueing(fields) {
    clearFieldErrors();
    const slips = {};
    if (!fields.outcome) slips.outcome = "Choose how the conversation ended.";
    if (fields.outcome === "call_again" && !fields.call_again_on) slips.call_again_on = "Say when to call again.";
    Object.entries(slips).forEach(([name, message]) => showFieldError(name, message));
    const ok = Object.keys(slips).length === 0;
    showProblem(ok ? "" : "Not saved yet. Please correct the fields marked below.");
    return ok;
  }

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const fields = {};
      new FormData(form).forEach((value, name) => {
        if (name !== "csrf_token" && typeof value === "string" && value.trim() !== "") fields[name] = value;
      });
      if (!checkBeforeQueueing(fields)) return;
      fields.client_id = fields.client_id || newId();
      add({ url: form.getAttribute("action"), user: me, client_id: fields.client_id, fields: fields, queued_at: Date.now() });
      // Ready for the next conversation: defaults back, a new id, no follow-up carried over.
      form.reset();
      form.querySelector('input[name="client_id"]').value = newId();
      form.querySelectorAll('input[name="follow_up_id"]').forEach((input) => input.remove());
      form.querySelectorAll("details").forEach((panel) => { panel.open = false; });
      lastSaved = "";
      showProblem("");
      showStatus();
      flush();
    });
  }

  // A person picked from the target list: "Member" or "Not a member" as the list says (it can still
  // be changed: the list may be out of date). The entry's id is one more field of the queued entry.
  const picker = form ? form.querySelector("select[data-target-picker]") : null;
  if (picker) {
    picker.addEventListener("change", () => {
      const option = picker.selectedOptions[0];
      if (!option || !option.value) return;
      const radio = form.querySelector(`input[name="is_member"][value="${option.dataset.member}"]`);
      if (radio) radio.checked = true;
    });
  }

  if (form) {
    window.addEventListener("online", flush);
    window.addEventListener("offline", showStatus);
    window.setInterval(() => {
      if (mine().length) flush();
    }, RETRY_MS);
    if (mine().length) flush();
    showStatus();
  }

  // Charts from the tables beside them.
  if (window.Chart) {
    const colours = ["#1d4ed8", "#9ca3af", "#b45309"];
    document.querySelectorAll("table[data-chart]").forEach((table) => {
      const canvas = document.getElementById(table.dataset.chart);
      if (!canvas) return;
      const headings = Array.from(table.tHead.rows[0].cells).slice(1);
      const rows = Array.from(table.tBodies[0].rows).filter((row) => row.cells.length === headings.length + 1);
      const datasets = headings.map((heading, i) => ({
        label: heading.textContent.trim(),
        data: rows.map((row) => {
          const value = row.cells[i + 1].dataset.value;
          return value === "" || value === undefined ? null : Number(value); // null: a suppressed count
        }),
        backgroundColor: colours[i % colours.length],
      }));
      new window.Chart(canvas, {
        type: "bar",
        data: { labels: rows.map((row) => row.cells[0].textContent.trim()), datasets: datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
    });
  }
})();
