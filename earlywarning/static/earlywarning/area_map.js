// The warning's area on its page: the chosen jurisdictions and the drawn polygon, in the
// level's colour. Data comes from the json_script block `warning-area` (GeoJSON).
(function () {
  "use strict";
  var COLOURS = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825", blue: "#1565c0" };

  function init() {
    var holder = document.getElementById("warning-map");
    var data = document.getElementById("warning-area");
    if (!holder || !data || typeof window.L === "undefined") return;
    var L = window.L;
    var area = JSON.parse(data.textContent);
    var colour = COLOURS[holder.dataset.level] || "#c8281e";
    var map = L.map(holder, { attributionControl: Boolean(holder.dataset.tileUrl) });
    map.setView([29.47, 121.87], 9);
    if (holder.dataset.tileUrl) L.tileLayer(holder.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
    var layer = L.geoJSON(area, {
      style: function (f) {
        return f.properties.kind === "polygon"
          ? { color: colour, weight: 3, fillOpacity: 0.25, dashArray: "6 4" }
          : { color: colour, weight: 2, fillOpacity: 0.15 };
      },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); }
    }).addTo(map);
    if (layer.getLayers().length) map.fitBounds(layer.getBounds());
    holder.dataset.state = "ready";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
