// The dashboard's charts, drawn by Chart.js from the same numbers as the tables beside
// them (the JSON block "insight-data"); the tables stay the accessible version.
(function () {
  "use strict";
  var source = document.getElementById("insight-data");
  if (!source || !window.Chart) { return; }
  var charts = JSON.parse(source.textContent);
  // Colours with enough contrast on white, told apart by order in the legend too.
  var COLOURS = ["#1f5f8b", "#b5541b", "#3c7a3c", "#6b4a8a", "#8a1c1c"];
  function number(cell) { return typeof cell === "number" ? cell : parseFloat(String(cell)) || 0; }
  function draw(canvas) {
    var chart = charts[canvas.dataset.chart];
    if (!chart) { return; }
    var labels = chart.rows.map(function (row) { return row[0]; });
    var columns = chart.columns.slice(1);
    var kind = chart.kind;
    if (kind === "stacked") { columns = columns.slice(0, -1); } // not the total column
    if (kind === "line" && chart.columns.length > 3) { columns = [columns[columns.length - 1]]; } // the share
    var datasets = columns.map(function (name, i) {
      var index = chart.columns.indexOf(name);
      return {
        label: name,
        data: chart.rows.map(function (row) { return number(row[index]); }),
        backgroundColor: COLOURS[i % COLOURS.length],
        borderColor: COLOURS[i % COLOURS.length],
      };
    });
    var stacked = kind === "stacked";
    new window.Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: kind === "horizontal" ? "y" : "x",
        scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } },
        plugins: { legend: { display: datasets.length > 1 } },
      },
    });
  }
  var canvases = document.querySelectorAll("canvas[data-chart]");
  for (var i = 0; i < canvases.length; i++) { draw(canvases[i]); }
})();
