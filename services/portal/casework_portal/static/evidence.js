// Refresh each document's processing status until every one is finished.
(function () {
  const table = document.querySelector("table.evidence[data-status-url]");
  if (!table) return;
  const url = table.dataset.statusUrl;
  async function poll() {
    const pending = table.querySelectorAll('td.status[data-terminal="false"]');
    if (pending.length === 0) return;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) {
        const body = await response.json();
        for (const item of body.items) {
          const cell = document.querySelector(`#evidence-${item.id} td.status`);
          if (!cell) continue;
          cell.textContent = item.label + (item.reason ? ": " + item.reason : "");
          cell.dataset.terminal = item.terminal ? "true" : "false";
        }
      }
    } catch (e) { /* network blip: try again */ }
    setTimeout(poll, 1500);
  }
  setTimeout(poll, 1000);
})();
