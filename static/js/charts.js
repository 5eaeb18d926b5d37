/* Draws every <figure data-chart> (templates/components/_chart.html) with Chart.js, from the
   JSON the server wrote in its data-chart-spec attribute; again after htmx swaps a panel in. The table behind each
   chart stays the accessible, printable form of the same figures. No inline code: CSP. */
(function () {
  "use strict";
  // Colour-blind-safe palette (Okabe–Ito), in the order series are drawn.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"];

  function unitTick(unit) {
    return function (value) { return unit === "percent" ? value + " %" : value; };
  }

  function config(spec) {
    var kind = spec.kind === "stacked-bar" ? "bar" : spec.kind;
    var unit = (spec.series[0] && spec.series[0].unit) || "";
    var datasets = spec.series.map(function (series, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        label: series.label,
        data: series.values,
        backgroundColor: kind === "doughnut" ? PALETTE.slice(0, series.values.length) : colour,
        borderColor: colour,
        borderWidth: kind === "line" ? 2 : 0,
        tension: 0.2,
        spanGaps: true
      };
    });
    var stacked = spec.kind === "stacked-bar";
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: datasets.length > 1 || kind === "doughnut", position: "bottom" } }
    };
    if (kind !== "doughnut") {
      options.scales = {
        x: { stacked: stacked },
        // Counts have whole-number ticks (no "2.5 tickets"); percentages their own scale.
        y: { stacked: stacked, beginAtZero: true,
             ticks: { callback: unitTick(unit), precision: unit === "percent" ? undefined : 0 },
             max: unit === "percent" ? 100 : undefined }
      };
    }
    return { type: kind, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw(root) {
    if (!window.Chart) return;
    (root || document).querySelectorAll("figure[data-chart]").forEach(function (figure) {
      var canvas = figure.querySelector("canvas");
      if (!figure.dataset.chartSpec || !canvas) return;
      var existing = window.Chart.getChart(canvas);
      if (existing) existing.destroy();
      new window.Chart(canvas, config(JSON.parse(figure.dataset.chartSpec)));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.detail.elt); });
})();
