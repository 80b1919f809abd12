// The case page's documents: upload each file with its own progress bar (drag and drop or
// the file picker / phone camera), then follow every file's processing status without a
// reload. Without JavaScript the form still posts all files at once.
(function () {
  const table = document.querySelector("table.evidence[data-status-url]");
  const form = document.querySelector("form.upload");
  if (!table || !form) return;
  const statusUrl = table.dataset.statusUrl;
  const input = form.querySelector('input[type="file"]');
  const drop = form.querySelector("[data-drop]");
  const list = form.querySelector("ul.progress");
  const notice = document.createElement("p");
  notice.className = "notice";
  notice.setAttribute("role", "status");
  notice.hidden = true;
  form.before(notice);
  let polling = false;

  function say(message) {
    notice.textContent = message;
    notice.hidden = false;
  }

  function link(href, text, label) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (label) a.setAttribute("aria-label", label);
    return a;
  }

  // One row per item, created the first time the item is seen.
  function render(item) {
    let row = document.getElementById("evidence-" + item.id);
    if (!row) {
      const empty = table.querySelector("tr.empty");
      if (empty) empty.remove();
      row = document.createElement("tr");
      row.id = "evidence-" + item.id;
      const name = document.createElement("td");
      name.append(link(item.view_url, item.filename), " · ",
                  link(item.download_url, "download", "Download " + item.filename));
      const added = document.createElement("td");
      added.textContent = item.uploaded_at.slice(0, 16).replace("T", " ");
      const status = document.createElement("td");
      status.className = "status";
      status.setAttribute("aria-live", "polite");
      row.append(name, added, status);
      table.tBodies[0].append(row);
    }
    const cell = row.querySelector("td.status");
    cell.textContent = item.text;
    cell.dataset.terminal = item.terminal ? "true" : "false";
  }

  async function poll() {
    polling = true;
    try {
      const response = await fetch(statusUrl, { credentials: "same-origin" });
      if (response.ok) (await response.json()).items.forEach(render);
    } catch (e) { /* network blip: try again */ }
    if (table.querySelector('td.status[data-terminal="false"]')) {
      setTimeout(poll, 1500);
    } else {
      polling = false;
    }
  }

  function follow() {
    if (!polling) poll();
  }

  // One request per file, so each has its own progress bar and its own error.
  function send(file) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Uploading " + file.name);
    const state = document.createElement("span");
    state.className = "muted";
    item.append(label, bar, state);
    list.append(item);
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
      xhr.onload = () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* an HTML error page */ }
        if (xhr.status < 300 && body) {
          bar.value = 100;
          state.textContent = " uploaded";
          body.items.forEach(render);
          resolve(true);
        } else {
          const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
          const reason = page.querySelector('[role="alert"]');
          state.textContent = " not uploaded: " + (reason ? reason.textContent : "please try again");
          item.classList.add("failed");
          resolve(false);
        }
      };
      xhr.onerror = () => {
        state.textContent = " not uploaded: the connection failed, please try again";
        item.classList.add("failed");
        resolve(false);
      };
      const data = new FormData();
      data.append("file", file, file.name);
      xhr.send(data);
    });
  }

  async function upload(files) {
    if (!files.length) return;
    list.replaceChildren();
    say("Uploading " + files.length + " file(s)…");
    const results = await Promise.all(Array.from(files).map(send));
    const received = results.filter(Boolean).length;
    say(received + " file(s) received. They become searchable once processed." +
        (received < files.length ? " " + (files.length - received) + " could not be uploaded." : ""));
    input.value = "";
    follow();
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    upload(input.files);
  });
  ["dragenter", "dragover"].forEach((type) => drop.addEventListener(type, (e) => {
    e.preventDefault();
    drop.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((type) => drop.addEventListener(type, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    upload(e.dataTransfer.files);
  });

  if (table.querySelector('td.status[data-terminal="false"]')) setTimeout(follow, 1000);
})();
