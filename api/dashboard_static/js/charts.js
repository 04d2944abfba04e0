// Bar charts with Chart.js, shipped in the package; loaded only by the pages that draw charts, so the others stay small.

import { formatNumber, formatPercent, h } from "./dom.js";

const CHART_JS = "/dashboard/vendor/chart.js/chart.umd.min.js";
// Okabe–Ito: told apart with every common colour-vision deficiency, each dark enough against white.
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];

let chartJs = null;

function loadChartJs() {
  chartJs ??= new Promise((resolve, reject) => {
    const script = h("script", { src: CHART_JS });
    script.addEventListener("load", () => {
      window.Chart.defaults.color = "#1f2933";
      window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
      resolve(window.Chart);
    });
    script.addEventListener("error", () => reject(new Error("Chart.js konnte nicht geladen werden")));
    document.head.append(script);
  });
  return chartJs;
}

// Draws a bar chart into `frame`, which must be in the document (Chart.js measures it). Its figures are always in
// a table beside it too: the canvas is only a picture to screen readers.
export async function drawBarChart(frame, { title, labels, datasets, horizontal = false, percent = false }) {
  const Chart = await loadChartJs();
  const canvas = h("canvas", { role: "img", "aria-label": `${title}. Die Zahlen stehen in der Tabelle zum Diagramm.` });
  frame.classList.add("chart", horizontal ? "horizontal" : "vertical");
  frame.replaceChildren(canvas);
  const format = percent ? formatPercent : formatNumber;
  new Chart(canvas, {
    type: "bar",
    data: { labels, datasets: datasets.map((dataset, index) => ({ backgroundColor: PALETTE[index % PALETTE.length], ...dataset })) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: horizontal ? "y" : "x",
      locale: "de-DE",
      plugins: {
        legend: { display: datasets.length > 1, position: "bottom" },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.raw === null ? "unterdrückt" : format(item.raw)}` } },
      },
      scales: {
        [horizontal ? "x" : "y"]: { beginAtZero: true, ...(percent ? { max: 1 } : {}), ticks: { precision: percent ? 2 : 0, callback: format } },
      },
    },
  });
}
