// Storage points on a map: markers from GET /api/v1/storage-points.geojson (WGS-84) over the
// outline of the user's own jurisdictions (GET /api/v1/map/jurisdictions), so it works with
// no tile server; a configured tile layer is added underneath.
(function () {
  "use strict";

  var COLOURS = { depot: "#c8281e", team_base: "#1f5fa8", village_point: "#2e7d32", agreement_store: "#b26a00" };

  function init() {
    var holder = document.getElementById("points-map");
    if (!holder || typeof window.L === "undefined") return;
    var L = window.L;
    var map = L.map(holder, { zoomControl: true, attributionControl: false });
    map.setView([29.47, 121.87], 9);
    var detailTemplate = holder.dataset.detailUrl;
    if (holder.dataset.tileUrl) {
      L.tileLayer(holder.dataset.tileUrl, { attribution: holder.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
    }
    if (holder.dataset.boundaryUrl) {
      fetch(holder.dataset.boundaryUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return;
          var outline = L.geoJSON(data, {
            style: function () { return { color: "#7a1f1a", weight: 1.5, fillColor: "#7a1f1a", fillOpacity: 0.04, interactive: false }; }
          }).addTo(map);
          outline.bringToBack();
        })
        .catch(function () { /* the markers do not need the outline */ });
    }

    fetch(holder.dataset.layerUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var props = feature.properties || {};
            return L.circleMarker(latlng, {
              radius: props.kind === "village_point" ? 5 : 8,
              color: COLOURS[props.kind] || "#555",
              weight: 2,
              fillOpacity: props.expired_count ? 0.9 : 0.5
            });
          },
          onEachFeature: function (feature, marker) {
            var props = feature.properties || {};
            var box = L.DomUtil.create("div", "map-popup");
            var title = L.DomUtil.create("a", "map-popup-title", box);
            title.href = detailTemplate.replace("/0/", "/" + props.id + "/");
            title.textContent = props.name;
            var meta = L.DomUtil.create("div", "", box);
            meta.textContent = props.kind_label + " · " + props.jurisdiction_name + " · " + props.supply_count + " " + holder.dataset.textSupplies +
              (props.expired_count ? "，" + props.expired_count + " " + holder.dataset.textExpired : "");
            marker.bindPopup(box);
          }
        }).addTo(map);
        var bounds = layer.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], animate: false, maxZoom: 15 });
        holder.dataset.count = String((data.features || []).length);
        holder.dataset.state = "ready";
      })
      .catch(function () { holder.dataset.state = "error"; });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
