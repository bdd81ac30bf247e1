// Compliance per township as a stacked bar (compliant / not compliant villages), ECharts.
(function () {
  "use strict";

  function init() {
    var holder = document.getElementById("kit-chart");
    var source = document.getElementById("kit-chart-data");
    if (!holder || !source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: [data.text.compliant, data.text.missing] },
      grid: { left: 40, right: 12, bottom: 70, top: 36 },
      xAxis: { type: "category", data: data.labels, axisLabel: { rotate: 40, interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.text.compliant, type: "bar", stack: "v", data: data.compliant, itemStyle: { color: "#2e7d32" } },
        { name: data.text.missing, type: "bar", stack: "v", data: data.missing, itemStyle: { color: "#c62828" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    holder.dataset.state = "ready";
  }

  document.addEventListener("DOMContentLoaded", init);
})();
