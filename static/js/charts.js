// Draw every plotly chart on the page from the figure JSON the server embedded (json_script), in the
// page's language (plotly-locale-ja.js registers Japanese dates and numbers) and without the toolbar,
// which on a phone covers the title.
const MAP_TILE = 512; // MapLibre's tile size: at zoom z the world is 512 × 2^z pixels wide

function mercatorY(lat) {
  return Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
}

// A map whose layout.meta.fit names its bounds ([west, south, east, north] by map subplot) is centred
// and zoomed to show all of them in the width it gets, a phone's as a laptop's.
function fitMaps(element, layout) {
  const fit = (layout.meta && layout.meta.fit) || {};
  const margin = layout.margin || {};
  const width = element.clientWidth - (margin.l || 0) - (margin.r || 0);
  const height = (layout.height || 450) - (margin.t || 0) - (margin.b || 0);
  for (const [key, [west, south, east, north]] of Object.entries(fit)) {
    const domain = layout[key].domain || {};
    const [x0, x1] = domain.x || [0, 1];
    const [y0, y1] = domain.y || [0, 1];
    const alongX = Math.log2(((x1 - x0) * width * 360) / (MAP_TILE * (east - west)));
    const alongY = Math.log2(((y1 - y0) * height * 2 * Math.PI) / (MAP_TILE * (mercatorY(north) - mercatorY(south))));
    const middle = (mercatorY(north) + mercatorY(south)) / 2;
    layout[key].zoom = Math.min(alongX, alongY);
    // A narrow map (a phone's) is as tall as its shapes, not a fixed height with blank sea below.
    if (key === "map" && alongX < alongY) {
      const tall = (MAP_TILE * 2 ** alongX * (mercatorY(north) - mercatorY(south))) / (2 * Math.PI);
      layout.height = Math.ceil(tall / (y1 - y0)) + (margin.t || 0) + (margin.b || 0);
    }
    layout[key].center = {
      lon: (west + east) / 2,
      lat: ((2 * Math.atan(Math.exp(middle)) - Math.PI / 2) * 180) / Math.PI,
    };
  }
}

// plotly's own date ticks put the year after the month (「7月 2025」) whatever the locale: Japanese pages
// write dates in Japanese order, by the span the ticks step over.
const DAY = 24 * 60 * 60 * 1000;
const JAPANESE_DATE_TICKS = [
  { dtickrange: [null, 28 * DAY], value: "%-m月%-d日" },
  { dtickrange: [28 * DAY, "M11"], value: "%Y年%-m月" },
  { dtickrange: ["M12", null], value: "%Y年" },
];

function japaneseDates(layout) {
  for (const [key, axis] of Object.entries(layout)) {
    if (/^xaxis\d*$/.test(key) && axis.type === "date" && !axis.tickformat) {
      axis.tickformatstops = JAPANESE_DATE_TICKS;
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const config = {
    responsive: true,
    displayModeBar: false,
    locale: document.documentElement.lang === "ja" ? "ja" : "en",
  };
  for (const element of document.querySelectorAll("[data-chart]")) {
    const source = document.getElementById(element.dataset.chart);
    if (!source || !window.Plotly) continue;
    const figure = JSON.parse(source.textContent);
    fitMaps(element, figure.layout);
    if (config.locale === "ja") japaneseDates(figure.layout);
    window.Plotly.newPlot(element, figure.data, figure.layout, config);
  }
});
