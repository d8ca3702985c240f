// Draw every plotly chart on the page from the figure JSON the server embedded (json_script).
document.addEventListener("DOMContentLoaded", () => {
  for (const element of document.querySelectorAll("[data-chart]")) {
    const source = document.getElementById(element.dataset.chart);
    if (!source || !window.Plotly) continue;
    const figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(element, figure.data, figure.layout, { responsive: true, displaylogo: false });
  }
});
