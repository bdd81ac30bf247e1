// The staff detail page: a small map with the point the reporter shared.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("pubrep-map");
    if (!el || typeof L === "undefined") return;
    var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
    var map = L.map(el, { scrollWheelZoom: false }).setView(point, 16);
    if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    L.circleMarker(point, { radius: 8, color: "#c62828", weight: 3, fillOpacity: 0.4 }).addTo(map);
  });
})();
