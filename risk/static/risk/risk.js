// Grade distribution chart of the risk overview. Data comes from a json_script element
// (CSP forbids inline scripts); colours follow the four-colour convention of risk.css.
(function () {
  "use strict";
  var COLOURS = { red: "#d93026", orange: "#e8710a", yellow: "#f2c200", blue: "#1a73e8", none: "#8a94a3" };

  function drawChart() {
    var holder = document.querySelector("[data-risk-chart]");
    var source = document.getElementById("risk-chart-data");
    if (!holder || !source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder);
    chart.setOption({
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{
        type: "bar",
        data: data.values.map(function (value, i) {
          return { value: value, itemStyle: { color: COLOURS[data.colours[i]] || COLOURS.none } };
        }),
        label: { show: true, position: "top" }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", drawChart);
})();
