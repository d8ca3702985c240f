// The self-assessment page: one area at a time (the index switches them), each area's progress and rate
// as the user answers, and the draft saved as the user goes (the same form post, answered in JSON).
//
// The rates follow the benchmark method's rule as benchmarks.scoring computes it and the page renders it
// (assessments.selectors.area_progress): yes/no items first (share of the answered scored ones), else
// procedures (online / offered), else the area's first rate item — and the text says what it counts.
document.addEventListener("DOMContentLoaded", () => {
  const survey = document.querySelector("[data-survey]");
  if (!survey) return;
  const form = document.getElementById("assessment-form");
  const sections = [...survey.querySelectorAll("fieldset.area")];
  const links = [...survey.querySelectorAll("[data-section-link]")];
  const textsNode = document.getElementById("area-texts");
  const texts = textsNode ? JSON.parse(textsNode.textContent) : {};
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));

  // --- one area at a time ---------------------------------------------------------------------
  const sectionInput = form && form.querySelector("input[name='section'][type='hidden']");
  const sectionOf = (hash) => {
    if (!hash || hash.length < 2) return null;
    const target = document.getElementById(decodeURIComponent(hash.slice(1)));
    return target ? { target, section: target.closest("fieldset.area") } : null;
  };
  const show = (section) => {
    for (const other of sections) other.hidden = other !== section;
    for (const link of links) {
      if (link.dataset.sectionLink === section.dataset.area) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    }
    if (sectionInput) sectionInput.value = section.dataset.area;
  };
  const follow = (hash, focus) => {
    const found = sectionOf(hash);
    if (!found || !found.section) return false;
    show(found.section);
    if (focus && found.target !== found.section) found.target.focus();
    if (found.target === found.section) found.section.scrollIntoView({ block: "start" });
    else found.target.scrollIntoView({ block: "center" });
    return true;
  };
  if (sections.length > 1) {
    survey.classList.add("is-tabbed");
    if (!follow(window.location.hash, false)) {
      show(sections.find((s) => s.querySelector(".has-error")) || sections[0]);
    }
    window.addEventListener("hashchange", () => follow(window.location.hash, true));
  }

  // --- progress and rates -----------------------------------------------------------------------
  const valueOf = (item) => {
    const checked = item.querySelector("input[type='radio'][name^='v:']:checked");
    if (checked) return checked.value;
    const input = item.querySelector("input[name^='v:']:not([type='radio'])");
    return input ? input.value.trim() : null; // null: read-only, the page's numbers stand
  };
  const initial = new Map();
  const items = [...survey.querySelectorAll(".item")];
  const remember = () => {
    for (const item of items) initial.set(item, valueOf(item));
  };
  remember();
  const confirmed = (item) => {
    const box = item.querySelector("input[name^='confirm:']");
    return box ? box.checked : false;
  };
  // Unanswered, or prefilled and neither confirmed nor changed: what the submit step lists.
  const awaits = (item, value) =>
    value === "" || (item.dataset.prefilled === "1" && !confirmed(item) && value === initial.get(item));
  const percent = (rate) => `${rate.toFixed(1)}%`;

  const summary = (section) => {
    const scored = [...section.querySelectorAll(".item[data-scored='1']")].map((item) => ({
      item,
      kind: item.dataset.kind,
      value: valueOf(item),
    }));
    if (scored.some((s) => s.value === null)) return null;
    const answered = (kind) => scored.filter((s) => s.kind === kind && s.value !== "");
    const ofKind = (kind) => scored.filter((s) => s.kind === kind);
    const prefilledOf = (list) =>
      list.filter((s) => s.item.dataset.prefilled === "1" && !confirmed(s.item) && s.value === initial.get(s.item))
        .length;
    const done = scored.filter((s) => !awaits(s.item, s.value)).length;
    const pending = prefilledOf(scored.filter((s) => s.value !== ""));
    const count = fill(texts.count, { done, total: scored.length }) + (pending ? fill(texts.pending, { n: pending }) : "");
    const yesNo = answered("boolean");
    const procedures = answered("procedure");
    const offered = procedures.filter((s) => s.value === "online" || s.value === "offline");
    const rates = answered("rate").filter((s) => !Number.isNaN(Number(s.value)));
    let text;
    let counted = [];
    if (yesNo.length) {
      counted = yesNo;
      const rate = (100 * yesNo.filter((s) => Number(s.value) !== 0).length) / yesNo.length;
      const of = ofKind("boolean").length;
      text = fill(texts[yesNo.length === of ? "boolean_complete" : "boolean"], {
        counted: yesNo.length,
        of,
        rate: percent(rate),
      });
    } else if (offered.length) {
      counted = procedures;
      const rate = (100 * offered.filter((s) => s.value === "online").length) / offered.length;
      const of = ofKind("procedure").length;
      text = fill(texts[procedures.length === of ? "procedure_complete" : "procedure"], {
        counted: procedures.length,
        of,
        rate: percent(rate),
      });
    } else if (rates.length) {
      counted = [rates[0]];
      text = fill(texts.rate, { item: rates[0].item.dataset.name, rate: percent(Number(rates[0].value)) });
    } else {
      return { text: texts.none, count, done, total: scored.length };
    }
    const prefilled = prefilledOf(counted);
    if (prefilled) text += fill(texts.prefilled, { n: prefilled });
    const all = ofKind("procedure").length;
    if (counted[0].kind === "rate" && all) text += fill(texts.procedures, { answered: procedures.length, of: all });
    return { text, count, done, total: scored.length };
  };

  const overall = [...document.querySelectorAll("[data-overall]")];
  const update = () => {
    let done = 0;
    let total = 0;
    for (const section of sections) {
      const result = summary(section);
      if (!result) return;
      section.querySelector("[data-area-rate]").textContent = result.text;
      const counter = survey.querySelector(`[data-area-count='${section.dataset.area}']`);
      if (counter) counter.textContent = result.count;
      done += result.done;
      total += result.total;
    }
    for (const node of overall) node.textContent = fill(texts.count, { done, total });
  };
  if (!form) return;
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();

  // --- the draft saved as the user goes -----------------------------------------------------------
  const status = form.querySelector("[data-save-status]");
  const version = form.querySelector("input[name='version']");
  const say = (text) => {
    if (status && text) status.textContent = text;
  };
  let dirty = false;
  let running = null;
  let again = false;
  let timer = null;
  const chosenFiles = () => [...form.querySelectorAll("input[type='file']")].some((input) => input.files.length);
  const clearErrors = () => {
    for (const node of form.querySelectorAll("[data-autosave-error]")) node.remove();
  };
  const showErrors = (errors) => {
    for (const error of errors) {
      const control = document.getElementById(error.anchor);
      const field = control && control.closest(".field");
      if (!field) continue;
      const message = document.createElement("p");
      message.className = "error";
      message.dataset.autosaveError = "1";
      message.textContent = error.error;
      field.append(message);
    }
  };
  const body = () => {
    const data = new FormData(form);
    for (const input of form.querySelectorAll("input[type='file']")) data.delete(input.name);
    return data;
  };
  const save = async (keepalive = false) => {
    if (running) {
      again = true;
      return running;
    }
    dirty = false;
    say(form.dataset.saving);
    running = fetch(form.action || window.location.pathname, {
      method: "POST",
      body: body(),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      keepalive,
    })
      .then(async (response) => {
        const result = await response.json().catch(() => null);
        if (!result) throw new Error(response.statusText);
        version.value = result.version;
        clearErrors();
        if (result.stale) {
          say(form.dataset.stale);
          return;
        }
        // What was saved is now the town's answer: no longer a prefill awaiting confirmation.
        for (const item of items) {
          if (valueOf(item) !== initial.get(item) || confirmed(item)) item.dataset.prefilled = "0";
        }
        remember();
        showErrors(result.errors);
        const when = new Date().toLocaleTimeString(document.documentElement.lang || undefined, {
          hour: "2-digit",
          minute: "2-digit",
        });
        say(fill(result.errors.length ? form.dataset.savedExcept : form.dataset.saved, {
          time: when,
          n: result.errors.length,
        }) + (chosenFiles() ? form.dataset.filesWait : ""));
        update();
      })
      .catch(() => {
        dirty = true;
        say(form.dataset.failed);
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          save();
        }
      });
    return running;
  };
  // Until nothing is waiting to be saved (a few tries at most: a failing network must not keep the user).
  const flush = async () => {
    for (let tries = 0; tries < 3 && (running || dirty); tries += 1) {
      await (running || save());
    }
  };
  const soon = () => {
    dirty = true;
    say(form.dataset.pending);
    window.clearTimeout(timer);
    timer = window.setTimeout(() => save(), 800);
  };
  form.addEventListener("change", (event) => {
    if (event.target.type === "file") {
      say(form.dataset.filesWait.trim());
      return;
    }
    soon();
  });
  // Leaving an area, or the page, saves what is not saved yet.
  for (const link of links) {
    link.addEventListener("click", () => {
      if (dirty) save();
    });
  }
  // A link away from the page waits for the draft to be saved, then goes.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || !(dirty || running) || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || link.target) return;
    const url = new URL(link.href, window.location.href);
    if (url.pathname === window.location.pathname && url.search === window.location.search) return;
    event.preventDefault();
    window.clearTimeout(timer);
    flush().then(() => window.location.assign(url.href));
  });
  // Closing the tab or going back: sent on the way out (keepalive), without waiting for the answer.
  window.addEventListener("pagehide", () => {
    if (dirty) save(true);
  });
  // The button's save carries everything: a pending autosave is dropped, one on its way is waited for
  // (it moves the version the button's save must name).
  form.addEventListener("submit", (event) => {
    dirty = false;
    again = false;
    window.clearTimeout(timer);
    if (running) {
      event.preventDefault();
      const submitter = event.submitter;
      running.then(() => form.requestSubmit(submitter));
      return;
    }
    form.dataset.submitting = "1";
  });
  window.addEventListener("beforeunload", (event) => {
    if (chosenFiles() && !form.dataset.submitting) event.preventDefault();
  });
});
