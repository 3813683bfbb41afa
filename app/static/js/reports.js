// Reports' charts (Chart.js, vendored by `make setup`): drawn from the page's #report-data JSON,
// the same numbers as the tables under each chart. Series differ by line style and point shape as
// well as colour, so they read without colour; the tables carry the exact figures. Each page
// draws the charts whose data it has.
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
  const warn = color("--warning", "#8a5a00");
  // Five stages, five looks: colour, dash and point shape each differ.
  const STYLES = [
    { color: text, dash: [2, 3], point: "crossRot" }, { color: other, dash: [6, 4], point: "rect" },
    { color: accent, dash: [], point: "circle" }, { color: warn, dash: [10, 3, 2, 3], point: "triangle" },
    { color: good, dash: [1, 1], point: "rectRot" }
  ];
  Chart.defaults.color = text;
  Chart.defaults.font.family = color("--font", "system-ui");
  Chart.defaults.animation = false;
  const dayLabel = function (d) {
    return new Date(d + "T00:00:00Z").toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
  };
  const labels = (data.days || []).map(dayLabel);
  const integers = { y: { beginAtZero: true, ticks: { precision: 0 } } };
  const common = { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
                   plugins: { legend: { labels: { usePointStyle: true } } }, scales: integers };
  const percentAxis = { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } };

  function draw(name, config) {
    const canvas = document.querySelector('[data-chart="' + name + '"]');
    if (canvas) canvas.chart = new Chart(canvas, config);
  }

  function line(label, values, style) {
    return { label: label, data: values, borderColor: style.color, backgroundColor: style.color,
             borderDash: style.dash, pointStyle: style.point, tension: 0.2 };
  }

  // --- Support ---------------------------------------------------------------------------------
  if (data.series) {
    draw("volume", { type: "line", options: common, data: { labels: labels, datasets: [
      line("Conversations", data.series.conversations, STYLES[2]),
      line("Tickets created", data.series.tickets, STYLES[1]),
      line("Tickets solved", data.series.solved, STYLES[0])
    ] } });
    draw("csat", { type: "bar", options: Object.assign({}, common, { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }),
      data: { labels: labels, datasets: [
        { label: "Good", data: data.series.good, backgroundColor: good, borderColor: good, borderWidth: 1 },
        { label: "Bad", data: data.series.bad, backgroundColor: "#fff", borderColor: bad, borderWidth: 2 }
      ] } });
  }
  if (data.stages && data.stages.percent && data.stages.labels.length) {
    draw("stages", { type: "bar", data: { labels: data.stages.labels, datasets: [
      { label: "Good answers (%)", data: data.stages.percent, backgroundColor: accent }
    ] }, options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } },
                    scales: { x: percentAxis } } });
  }

  // --- Lifecycle -------------------------------------------------------------------------------
  if (data.entered) {
    draw("funnel", { type: "bar", data: { labels: data.stages.labels, datasets: [
      { label: "Customers", data: data.stages.now, backgroundColor: accent }
    ] }, options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } },
                    scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } } });
    draw("entered", { type: "line", options: common, data: { labels: data.entered_labels,
      datasets: data.stages.labels.map(function (stage, i) { return line(stage, data.entered[stage.toLowerCase()], STYLES[i]); }) } });
    // The cohorts' share that had ordered again, by months since the first order: all cohorts
    // together (weighted by size, over the cohorts followed that long) and the latest four.
    const longest = Math.max(0, ...data.repeat.map(function (r) { return r.length; }));
    const months = Array.from({ length: longest }, function (_, k) { return k === 0 ? "First month" : "Month " + k; });
    const share = function (n, size) { return size ? Math.round(1000 * n / size) / 10 : null; };
    const overall = months.map(function (_, k) {
      let n = 0, size = 0;
      data.repeat.forEach(function (r, i) { if (k < r.length) { n += r[k]; size += data.sizes[i]; } });
      return share(n, size);
    });
    const recent = data.cohorts.map(function (label, i) { return i; }).filter(function (i) { return data.sizes[i] > 0; }).slice(-4);
    draw("cohorts", { type: "line", data: { labels: months, datasets: [
      Object.assign(line("All cohorts", overall, STYLES[2]), { borderWidth: 3 })
    ].concat(recent.map(function (i, j) {
      return line(data.cohorts[i], data.repeat[i].map(function (n) { return share(n, data.sizes[i]); }), [STYLES[0], STYLES[1], STYLES[3], STYLES[4]][j]);
    })) }, options: Object.assign({}, common, { scales: { y: percentAxis } }) });
  }

  // --- Loyalty ---------------------------------------------------------------------------------
  if (data.nps) {
    draw("nps", { data: { labels: data.nps.labels, datasets: [
      Object.assign(line("NPS", data.nps.score, STYLES[2]), { type: "line", yAxisID: "score", spanGaps: true }),
      { type: "bar", label: "Answers", data: data.nps.answers, backgroundColor: "#d5ede8", borderColor: text, borderWidth: 1, yAxisID: "answers" }
    ] }, options: Object.assign({}, common, { scales: {
      score: { position: "left", min: -100, max: 100, title: { display: true, text: "NPS" } },
      answers: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: "Answers" } }
    } }) });
    const stacked = { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } };
    draw("groups", { type: "bar", data: { labels: data.groups.labels, datasets: [
      { label: "Promoters (9–10)", data: data.groups.promoters, backgroundColor: good },
      { label: "Passives (7–8)", data: data.groups.passives, backgroundColor: "#fff", borderColor: text, borderWidth: 1 },
      { label: "Detractors (0–6)", data: data.groups.detractors, backgroundColor: bad }
    ] }, options: Object.assign({}, common, { scales: stacked }) });
    draw("scores", { type: "bar", data: { labels: data.scores.map(function (_, i) { return String(i); }), datasets: [
      { label: "Answers", data: data.scores, backgroundColor: data.scores.map(function (_, i) { return i >= 9 ? good : i >= 7 ? "#c3c9d2" : bad; }) }
    ] }, options: Object.assign({}, common, { plugins: { legend: { display: false } } }) });
    draw("referrals", { type: "bar", options: Object.assign({}, common, { plugins: { legend: { display: false } } }),
      data: { labels: data.referral_labels, datasets: [{ label: "Referrals", data: data.referrals, backgroundColor: accent }] } });
  }

  // --- Support and buying ----------------------------------------------------------------------
  if (data.comparisons) {
    Object.keys(data.comparisons).forEach(function (key) {
      const c = data.comparisons[key];
      draw(key, { type: "bar", data: { labels: [c[2], c[3]], datasets: [
        { label: "Share (%)", data: [c[0], c[1]], backgroundColor: [accent, "#fff"], borderColor: [accent, text], borderWidth: 2 }
      ] }, options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } },
                      scales: { x: percentAxis } } });
    });
  }
})();
