// Place pages: the places map (points coloured by risk grade over the jurisdiction
// boundaries, from GET /api/v1/places/geojson) and the small map on a place page.
// CSP forbids inline scripts: data comes from data-* attributes and json_script blocks.
(function () {
  "use strict";

  var COLOURS = { major: "red", large: "orange", general: "yellow", low: "blue" };
  var HEX = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825", blue: "#1565c0", none: "#78909c" };

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function baseMap(holder, L) {
    var map = L.map(holder, { zoomSnap: 0.25, attributionControl: Boolean(holder.dataset.tileUrl) });
    if (holder.dataset.tileUrl) {
      L.tileLayer(holder.dataset.tileUrl, { attribution: holder.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function initPlaceMap() {
    var holder = document.getElementById("place-map");
    if (!holder || typeof window.L === "undefined") return;
    var L = window.L;
    var text = readJson("place-map-text") || {};
    var grades = readJson("place-grades") || [];
    var statusEl = document.querySelector("[data-map-status]");
    var filters = document.querySelector("[data-place-map-filters]");
    var map = baseMap(holder, L);
    map.setView([29.47, 121.87], 10);
    var boundaries = L.featureGroup().addTo(map);
    // Canvas draws thousands of points smoothly where SVG markers would not.
    var renderer = L.canvas({ padding: 0.5 });
    var points = L.featureGroup().addTo(map);
    var seq = 0;

    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend");
      L.DomUtil.create("div", "map-popup-title", box).textContent = text.legend || "";
      grades.concat([{ value: "", label: text.ungraded, colour: "none" }]).forEach(function (grade) {
        var row = L.DomUtil.create("div", "map-legend-row", box);
        L.DomUtil.create("span", "map-swatch swatch-" + grade.colour, row);
        L.DomUtil.create("span", "", row).textContent = grade.label;
      });
      return box;
    };
    legend.addTo(map);

    function params() {
      var out = new URLSearchParams();
      if (!filters) return out;
      ["kind", "risk_grade", "jurisdiction"].forEach(function (name) {
        var field = filters.elements[name];
        if (field && field.value) out.set(name === "risk_grade" ? "grade" : name, field.value);
      });
      return out;
    }

    function popup(props) {
      var box = L.DomUtil.create("div", "map-popup");
      L.DomUtil.create("div", "map-popup-title", box).textContent = props.name;
      L.DomUtil.create("div", "", box).textContent = props.kind_name;
      var link = L.DomUtil.create("a", "", box);
      link.href = holder.dataset.detailUrl.replace("/0/", "/" + props.id + "/");
      link.textContent = text.detail;
      return box;
    }

    function drawBoundaries() {
      var url = holder.dataset.boundaryUrl;
      return getJson(url).then(function (roots) {
        var features = (roots && roots.features) || [];
        var work = features.map(function (root) {
          L.geoJSON(root, { style: { color: "#7a1f1a", weight: 2, fillOpacity: 0.03 }, interactive: false }).addTo(boundaries);
          return getJson(url + "?parent=" + encodeURIComponent(root.properties.code)).then(function (children) {
            L.geoJSON(children, { style: { color: "#1f5fa8", weight: 1, fillOpacity: 0.02, dashArray: "4 3" }, interactive: false }).addTo(boundaries);
          });
        });
        return Promise.all(work);
      });
    }

    function drawPoints() {
      var mine = ++seq;
      holder.dataset.state = "loading";
      statusEl.textContent = text.loading || "";
      var query = params().toString();
      getJson(holder.dataset.layerUrl + (query ? "?" + query : "")).then(function (data) {
        if (mine !== seq) return;
        points.clearLayers();
        var features = data.features || [];
        features.forEach(function (feature) {
          var c = feature.geometry.coordinates;
          var colour = COLOURS[feature.properties.grade] || "none";
          var marker = L.circleMarker([c[1], c[0]], {
            renderer: renderer, radius: feature.properties.key_unit ? 7 : 5, weight: 1, color: "#fff",
            fillColor: HEX[colour], fillOpacity: 0.9
          });
          marker.bindPopup(function () { return popup(feature.properties); });
          marker.addTo(points);
        });
        var bounds = points.getBounds().isValid() ? points.getBounds() : boundaries.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], animate: false });
        holder.dataset.count = String(features.length);
        holder.dataset.state = "ready";
        statusEl.textContent = features.length + " " + (text.count || "");
      }).catch(function () {
        if (mine !== seq) return;
        holder.dataset.state = "error";
        statusEl.textContent = text.failed || "";
      });
    }

    if (filters) {
      filters.addEventListener("change", function () {
        var query = params();
        history.replaceState(null, "", window.location.pathname + (query.toString() ? "?" + query.toString().replace("grade=", "risk_grade=") : ""));
        drawPoints();
      });
      filters.addEventListener("submit", function (event) { event.preventDefault(); drawPoints(); });
    }
    drawBoundaries().catch(function () { /* points still work without boundaries */ }).then(drawPoints);
  }

  function initMiniMap() {
    var holder = document.getElementById("place-minimap");
    if (!holder || typeof window.L === "undefined") return;
    var L = window.L;
    var lat = parseFloat(holder.dataset.lat);
    var lng = parseFloat(holder.dataset.lng);
    if (isNaN(lat) || isNaN(lng)) return;
    var map = baseMap(holder, L);
    map.setView([lat, lng], 16);
    var marker = L.circleMarker([lat, lng], { radius: 8, color: "#fff", weight: 2, fillColor: "#c8281e", fillOpacity: 1 })
      .bindTooltip(holder.dataset.name || "");
    // The grid's outline gives the point its context when no tile server is configured.
    var done = function () { marker.addTo(map); holder.dataset.state = "ready"; };
    if (!holder.dataset.boundaryUrl) { done(); return; }
    getJson(holder.dataset.boundaryUrl).then(function (data) {
      var outline = L.geoJSON(data, { style: { color: "#2e7d32", weight: 2, fillOpacity: 0.06 }, interactive: false }).addTo(map);
      if (outline.getBounds().isValid()) map.fitBounds(outline.getBounds(), { padding: [8, 8], animate: false });
    }).catch(function () { /* the point alone still shows */ }).then(done);
  }

  // "Use my location" on the form: the browser's position is WGS-84, so the system is set to it.
  function initLocateButton() {
    var button = document.querySelector("[data-locate-button]");
    if (!button || !navigator.geolocation) return;
    button.classList.remove("hidden");
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        document.querySelector("[data-locate-here=lng]").value = position.coords.longitude.toFixed(7);
        document.querySelector("[data-locate-here=lat]").value = position.coords.latitude.toFixed(7);
        var system = document.getElementById("id_coord_system");
        if (system) system.value = "wgs84";
        button.disabled = false;
      }, function () {
        button.disabled = false;
        window.alert(button.dataset.failed);
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initPlaceMap();
    initMiniMap();
    initLocateButton();
  });
})();
