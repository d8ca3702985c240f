// Poll an import's progress until it is done, then reload to show the outcome.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("import-progress");
  if (!box || box.dataset.done) return;
  const bar = document.getElementById("progress-bar");
  const percent = document.getElementById("progress-percent");
  const status = document.getElementById("progress-status");
  const poll = async () => {
    const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
    if (response.ok) {
      const state = await response.json();
      bar.value = state.progress;
      percent.textContent = `${state.progress}%`;
      status.textContent = state.status_label;
      if (state.done) {
        window.location.reload();
        return;
      }
    }
    window.setTimeout(poll, 1000);
  };
  poll();
});
