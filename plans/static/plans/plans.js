// Drill targets chart: one bar group per township (or village): drills held, villages, villages with a drill.
(function () {
  "use strict";
  function init() {
    var holder = document.getElementById("drill-chart");
    var source = document.getElementById("drill-chart-data");
    if (!holder || !source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder);
    var series = [{ name: data.labels.drills, type: "bar", data: data.drills, itemStyle: { color: "#1f5fa8" } }];
    if (data.villages.some(function (n) { return n > 0; })) {
      series.push({ name: data.labels.villages, type: "bar", data: data.villages, itemStyle: { color: "#d9dfe7" } });
      series.push({ name: data.labels.with_drill, type: "bar", data: data.villages_with_drill, itemStyle: { color: "#2e7d32" } });
    }
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 40, bottom: 70 },
      xAxis: { type: "category", data: data.names, axisLabel: { rotate: 40, interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    });
    holder.dataset.state = "ready";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
