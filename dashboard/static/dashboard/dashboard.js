// Home page: the pie of places by risk grade. Data comes from the json_script element
// "dashboard-grade-chart" (CSP forbids inline scripts); a slice opens the filtered list.
(function () {
  "use strict";

  function drawGradeChart() {
    var holder = document.querySelector("[data-grade-chart]");
    var source = document.getElementById("dashboard-grade-chart");
    if (!holder || !source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder);
    chart.setOption({
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      series: [{
        type: "pie",
        radius: ["42%", "72%"],
        avoidLabelOverlap: true,
        label: { formatter: "{b}\n{c}", fontSize: 11 },
        data: data.names.map(function (name, i) {
          return { name: name, value: data.values[i], url: data.urls[i], itemStyle: { color: data.colours[i] } };
        }).filter(function (item) { return item.value > 0; })
      }]
    });
    chart.on("click", function (params) {
      if (params.data && params.data.url) window.location.assign(params.data.url);
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", drawGradeChart);
})();
