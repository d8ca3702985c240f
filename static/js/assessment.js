// Area rates as the user answers, by the benchmark method's rule: yes/no items first (share of the
// answered scored ones), else procedures (online / offered), else the area's first rate item.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("assessment-form");
  if (!form) return;
  const rateOf = (area) => {
    const items = [...area.querySelectorAll(".item[data-scored='1']")];
    const inputs = (kind) => items.filter((i) => i.dataset.kind === kind).map((i) => i.querySelector("select, input"));
    const yesNo = inputs("boolean").filter((el) => el && el.value !== "");
    if (yesNo.length) return (100 * yesNo.filter((el) => el.value === "1").length) / yesNo.length;
    const offered = inputs("procedure").filter((el) => el && (el.value === "online" || el.value === "offline"));
    if (offered.length) return (100 * offered.filter((el) => el.value === "online").length) / offered.length;
    const rate = inputs("rate").find((el) => el && el.value !== "" && !Number.isNaN(Number(el.value)));
    return rate ? Number(rate.value) : null;
  };
  const update = () => {
    for (const area of form.querySelectorAll("fieldset.area")) {
      const rate = rateOf(area);
      area.querySelector("[data-area-rate]").textContent = rate === null ? "—" : `${rate.toFixed(1)}%`;
    }
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
});
