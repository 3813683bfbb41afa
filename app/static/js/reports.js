// Reports' charts (Chart.js, vendored by `make setup`): drawn from the page's #report-data JSON,
// the same numbers as the tables under each chart. Series differ by line style and point shape as
// well as colour, so they read without colour; the tables carry the exact figures.
(function () {
  "use strict";
  const source = document.getElementById("report-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const Chart = window.Chart;
  const css = getComputedStyle(document.documentElement);
  const color = function (name, fallback) { return (css.getPropertyValue(name) || fallback).trim(); };
  const accent = color("--accent", "#0f766e"), text = color("--text-muted", "#566272");
  const good = color("--success", "#1e6b3a"), bad = color("--danger", "#b42318"), other = "#6d4bc4";
  Chart.defaults.color = text;
  Chart.defaults.font.family = color("--font", "system-ui");
  Chart.defaults.animation = false;
  const labels = data.days.map(function (d) {
    return new Date(d + "T00:00:00Z").toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
  });
  const common = { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
                   plugins: { legend: { labels: { usePointStyle: true } } },
                   scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } };

  function draw(name, config) {
    const canvas = document.querySelector('[data-chart="' + name + '"]');
    if (canvas) canvas.chart = new Chart(canvas, config);
  }

  draw("volume", { type: "line", options: common, data: { labels: labels, datasets: [
    { label: "Conversations", data: data.series.conversations, borderColor: accent, backgroundColor: accent, pointStyle: "circle", tension: 0.2 },
    { label: "Tickets created", data: data.series.tickets, borderColor: other, backgroundColor: other, borderDash: [6, 4], pointStyle: "rect", tension: 0.2 },
    { label: "Tickets solved", data: data.series.solved, borderColor: text, backgroundColor: text, borderDash: [2, 3], pointStyle: "triangle", tension: 0.2 }
  ] } });
  draw("csat", { type: "bar", options: Object.assign({}, common, { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }),
    data: { labels: labels, datasets: [
      { label: "Good", data: data.series.good, backgroundColor: good, borderColor: good, borderWidth: 1 },
      { label: "Bad", data: data.series.bad, backgroundColor: "#fff", borderColor: bad, borderWidth: 2 }
    ] } });
  if (data.stages.labels.length) {
    draw("stages", { type: "bar", data: { labels: data.stages.labels, datasets: [
      { label: "Good answers (%)", data: data.stages.percent, backgroundColor: accent }
    ] }, options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } },
                    scales: { x: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } } } });
  }
})();
