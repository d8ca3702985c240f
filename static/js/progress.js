// Poll a long job's progress (an import, a report) until it is done, then reload to show the outcome.
// Stops after ten minutes or repeated errors, with a message, rather than polling for ever.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-progress]");
  if (!box || box.dataset.done) return;
  const bar = box.querySelector("progress");
  const percent = box.querySelector("[data-progress-percent]");
  const status = box.querySelector("[data-progress-status]");
  const deadline = Date.now() + 10 * 60 * 1000;
  let failures = 0;
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.statusText);
      const state = await response.json();
      failures = 0;
      bar.value = state.progress;
      percent.textContent = `${state.progress}%`;
      status.textContent = state.status_label;
      if (state.done) {
        window.location.reload();
        return;
      }
    } catch (error) {
      failures += 1;
    }
    if (failures >= 5 || Date.now() > deadline) {
      status.textContent = box.dataset.stalled;
      return;
    }
    window.setTimeout(poll, 1000 + 1000 * failures);
  };
  poll();
});
