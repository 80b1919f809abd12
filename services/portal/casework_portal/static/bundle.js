// The bundle page while it is being built: ask for its progress every two seconds and show it in
// place (the status line is a live region), then reload once it is ready or has failed, so the
// index and the downloads appear. Without JavaScript the page's Refresh link does the same.
(function () {
  const state = document.querySelector(".bundle-state[data-status-url]");
  if (!state) return;
  const line = state.querySelector(".bundle-status");
  const bar = state.querySelector("progress");
  const url = state.dataset.statusUrl;

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const status = await response.json();
        if (line.textContent !== status.text) line.textContent = status.text;
        if (bar && status.pages_total) {
          bar.max = status.pages_total;
          bar.value = status.pages_done;
        }
        if (status.finished) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A missed poll is tried again below.
    }
    window.setTimeout(poll, 2000);
  }
  window.setTimeout(poll, 2000);
})();
