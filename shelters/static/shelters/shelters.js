// Shelter maps: the list/detail layer (points coloured by status, routes as lines) and the
// route drawing map on the route form. Data comes from data- attributes and the GeoJSON API.
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : {};
  }

  function baseMap(holder) {
    var L = window.L;
    var map = L.map(holder, { zoomSnap: 0.25, attributionControl: false });
    map.setView([29.47, 121.87], 10);
    return map;
  }

  function showLayer(holder) {
    var L = window.L;
    var text = readJson("shelter-map-text");
    var statusEl = document.querySelector("[data-map-status]");
    var map = baseMap(holder);
    var group = L.featureGroup().addTo(map);
    var seq = 0;

    function load(url) {
      var mine = ++seq;
      holder.dataset.state = "loading";
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (data) {
          if (mine !== seq) return;
          group.clearLayers();
          var shelters = 0;
          L.geoJSON(data, {
            style: function () { return { color: "#b26a00", weight: 4, opacity: 0.85, dashArray: "8 6" }; },
            pointToLayer: function (feature, latlng) {
              shelters += 1;
              return L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: feature.properties.colour, fillOpacity: 0.95 });
            },
            onEachFeature: function (feature, layer) {
              var p = feature.properties;
              var box = document.createElement("div");
              var title = document.createElement(p.layer === "shelter" && holder.dataset.detailUrl ? "a" : "strong");
              title.textContent = p.name;
              if (title.tagName === "A") title.href = holder.dataset.detailUrl.replace("/0/", "/" + p.id + "/");
              box.appendChild(title);
              var line = document.createElement("div");
              line.textContent = p.layer === "shelter"
                ? p.status_label + " · " + (text.occupancy || "") + " " + p.occupancy + " / " + p.capacity_night
                : (text.routes || "") + " · " + p.length_m + " m";
              box.appendChild(line);
              layer.bindPopup(box);
            }
          }).addTo(group);
          if (group.getLayers().length && group.getBounds().isValid()) {
            map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 15 });
          }
          holder.dataset.state = "ready";
          holder.dataset.shelters = String(shelters);
          if (statusEl) statusEl.textContent = shelters ? "" : (text.none || "");
        })
        .catch(function (err) {
          holder.dataset.state = "error";
          if (statusEl) statusEl.textContent = String(err);
        });
    }

    load(holder.dataset.layerUrl);
    // The list's filters swap the results with htmx and push the URL: redraw the map for the same filters.
    if (holder.dataset.layerBase) {
      document.body.addEventListener("htmx:afterSettle", function (event) {
        if (event.detail && event.detail.target && event.detail.target.id === "shelter-results") {
          var params = new URLSearchParams(window.location.search);
          var clean = new URLSearchParams();
          params.forEach(function (value, key) { if (value && key !== "page") clean.append(key, value); });
          load(holder.dataset.layerBase + "?" + clean.toString());
        }
      });
    }
  }

  function drawRoute(holder) {
    var L = window.L;
    var map = baseMap(holder);
    var target = document.getElementById(holder.dataset.target);
    var points = [];
    var line = L.polyline([], { color: "#b26a00", weight: 4 }).addTo(map);
    if (holder.dataset.lng && holder.dataset.lat) {
      var end = [parseFloat(holder.dataset.lat), parseFloat(holder.dataset.lng)];
      L.circleMarker(end, { radius: 8, color: "#2e7d32" }).addTo(map);
      map.setView(end, 15);
    }
    function sync() {
      line.setLatLngs(points);
      if (target) {
        target.value = points.length ? JSON.stringify({ type: "LineString", coordinates: points.map(function (p) { return [Number(p.lng.toFixed(7)), Number(p.lat.toFixed(7))]; }) }) : "";
      }
    }
    map.on("click", function (e) { points.push(e.latlng); sync(); });
    var undo = document.querySelector("[data-route-undo]");
    if (undo) undo.addEventListener("click", function () { points.pop(); sync(); });
  }

  function init() {
    if (typeof window.L === "undefined") return;
    var holder = document.getElementById("shelter-map");
    if (holder) showLayer(holder);
    var draw = document.getElementById("route-draw");
    if (draw) drawRoute(draw);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
