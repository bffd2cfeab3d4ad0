// Draws the metrics chart from the JSON the page embeds (vendored ECharts, no CDN).
(function () {
  var el = document.getElementById("wo-chart");
  var data = document.getElementById("wo-chart-data");
  if (!el || !data || !window.echarts) return;
  var d = JSON.parse(data.textContent);
  var n = d.names;
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0, type: "scroll" },
    grid: { left: 40, right: 40, top: 40, bottom: 60, containLabel: true },
    xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 4 ? 30 : 0 } },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: n.received, type: "bar", data: d.received },
      { name: n.closed, type: "bar", data: d.closed },
      { name: n.overdue, type: "bar", data: d.overdue },
      { name: n.closure, type: "line", yAxisIndex: 1, data: d.closure, connectNulls: true },
      { name: n.on_time, type: "line", yAxisIndex: 1, data: d.on_time, connectNulls: true },
      { name: n.satisfaction, type: "line", yAxisIndex: 1, data: d.satisfaction, connectNulls: true }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
