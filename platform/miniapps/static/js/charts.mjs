// Dashboard charts. The page works without this: every widget is a table with a CSV link.
// With JavaScript, each `[data-chart-for]` slot gets a Chart.js chart drawn from the panel
// data embedded in #dashboard-data (Chart.js is the UMD build loaded just before this
// module, from our own static files). The table stays beside the chart; a button hides or
// shows the chart. Colours come from the Okabe–Ito palette (safe for colour-blind readers)
// and never carry meaning alone: datasets differ in shape too (bars vs a dashed line with
// markers), the legend and tooltips name them, and the table holds every value.

export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

const reducedMotion = () => globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches;

function dataset(spec, index, chart) {
  const colour = PALETTE[index % PALETTE.length];
  if (spec.style === "line" || chart.kind === "line") {
    const average = spec.style === "line";
    return {
      type: "line",
      label: spec.label,
      data: spec.values,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      borderDash: average ? [6, 4] : [],
      // The average is marked on every bar (a diamond) as well as joined by a dashed line.
      pointStyle: average ? "rectRot" : "circle",
      pointRadius: average ? 6 : 4,
      pointHoverRadius: 6,
      fill: false,
      order: 0, // drawn over the bars
    };
  }
  return { type: "bar", label: spec.label, data: spec.values, backgroundColor: colour, order: 1 };
}

const wholeNumbers = (chart) =>
  chart.datasets.every((d) => d.style === "line" || d.values.every((v) => v === null || Number.isInteger(v)));

/** A pie (declared `pie` charts): one colour per slice, named in the legend and tooltip. */
function pieConfig(chart) {
  const [first] = chart.datasets;
  return {
    type: "pie",
    data: {
      labels: chart.labels,
      datasets: [{ label: first.label, data: first.values, backgroundColor: chart.labels.map((_, i) => PALETTE[i % PALETTE.length]) }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: 2,
      animation: reducedMotion() ? false : { duration: 250 },
      plugins: {
        legend: { display: true, labels: { usePointStyle: true } },
        tooltip: { callbacks: { label: (item) => `${item.label}: ${item.formattedValue}` } },
      },
    },
  };
}

/** The Chart.js configuration for one panel's chart spec (pure: testable without a canvas). */
export function chartConfig(chart) {
  if (chart.kind === "pie") return pieConfig(chart);
  const valueAxis = chart.horizontal ? "x" : "y";
  const categoryAxis = chart.horizontal ? "y" : "x";
  const config = {
    type: chart.kind,
    data: { labels: chart.labels, datasets: chart.datasets.map((d, i) => dataset(d, i, chart)) },
    options: {
      indexAxis: chart.horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: chart.horizontal ? Math.max(1.2, 3 - chart.labels.length * 0.15) : 2.5,
      animation: reducedMotion() ? false : { duration: 250 },
      scales: {
        [valueAxis]: { beginAtZero: true, stacked: Boolean(chart.stacked), ticks: wholeNumbers(chart) ? { precision: 0 } : {} },
        ...(chart.stacked ? { [categoryAxis]: { stacked: true } } : {}),
      },
      plugins: {
        legend: { display: chart.datasets.length > 1, labels: { usePointStyle: true } },
        tooltip: {
          callbacks: {
            // "Mean: 5.25" — the label names the value, so colour is never needed to read it.
            label: (item) => `${item.dataset.label}: ${item.formattedValue}`,
          },
        },
      },
    },
  };
  if (chart.links) {
    config.options.onClick = (_event, elements) => {
      const hit = elements.find((e) => chart.links[e.index]);
      if (hit) globalThis.location.assign(chart.links[hit.index]);
    };
    config.options.onHover = (event, elements) => {
      event.native.target.style.cursor = elements.length ? "pointer" : "default";
    };
  }
  return config;
}

/** A short text alternative for the canvas; the table beside it holds the detail. */
export function describe(panel) {
  const { kind, labels, datasets } = panel.chart;
  const shape = { line: "Line chart", pie: "Pie chart" }[kind] ?? (panel.chart.stacked ? "Stacked bar chart" : "Bar chart");
  const what = datasets.map((d) => d.label).join(" and ");
  const links = panel.chart.links ? " Select a bar, or a link in the table, to drill down." : "";
  return `${shape} of ${panel.heading}: ${what} for ${labels.length} items. The same figures are in the table below.${links}`;
}

function addToggle(slot, panel) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "nhsuk-button nhsuk-button--secondary nhsuk-button--small miniapps-chart-toggle";
  button.setAttribute("aria-controls", slot.id);
  // A long table folds away under its chart; hiding the chart unfolds it again.
  const folded = slot.parentElement?.querySelector("details[data-fold-when-charted]");
  const show = (visible) => {
    slot.hidden = !visible;
    if (folded) folded.open = !visible;
    button.setAttribute("aria-expanded", String(visible));
    button.textContent = visible ? "Hide chart" : "Show chart";
    const hidden = document.createElement("span");
    hidden.className = "nhsuk-u-visually-hidden";
    hidden.textContent = ` (${panel.heading})`;
    button.append(hidden);
  };
  button.addEventListener("click", () => show(slot.hidden));
  slot.before(button);
  show(true);
}

/** Draw every chart slot on the page; returns the Chart instances. */
export function drawCharts(root = document) {
  const Chart = globalThis.Chart;
  const source = root.getElementById?.("dashboard-data") ?? document.getElementById("dashboard-data");
  if (!Chart || !source) return [];
  const panels = new Map(JSON.parse(source.textContent).panels.map((p) => [p.id, p]));
  const drawn = [];
  for (const slot of root.querySelectorAll("[data-chart-for]")) {
    const panel = panels.get(slot.dataset.chartFor);
    if (!panel?.chart || slot.querySelector("canvas")) continue;
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", describe(panel));
    canvas.textContent = "The figures are in the table below.";
    slot.append(canvas);
    slot.hidden = false;
    drawn.push(new Chart(canvas, chartConfig(panel.chart)));
    addToggle(slot, panel);
  }
  return drawn;
}

drawCharts();
