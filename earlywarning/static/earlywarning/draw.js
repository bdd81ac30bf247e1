// Drawing a warning's area on the draft form, without a plugin: click adds a vertex,
// double-click closes the polygon. The GeoJSON Polygon ([lng, lat], WGS-84) goes into the
// hidden `area_polygon` input; the server intersects it with grid boundaries.
(function () {
  "use strict";

  function init() {
    var holder = document.getElementById("warning-draw-map");
    if (!holder || typeof window.L === "undefined") return;
    var L = window.L;
    var input = document.getElementById(holder.dataset.polygonInput);
    var status = document.querySelector("[data-draw-status]");
    var map = L.map(holder, { doubleClickZoom: false, attributionControl: Boolean(holder.dataset.tileUrl) });
    map.setView([29.47, 121.87], 10);
    if (holder.dataset.tileUrl) L.tileLayer(holder.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
    var base = L.featureGroup().addTo(map);
    var drawing = L.featureGroup().addTo(map);
    var points = [];

    function say(text) { if (status) status.textContent = text; }

    function load(params) {
      var url = holder.dataset.layerUrl + "?" + new URLSearchParams(params).toString();
      return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; });
    }

    load({ code: holder.dataset.code }).then(function (data) {
      if (!data) return;
      L.geoJSON(data, { style: { color: "#c8281e", weight: 2, fillOpacity: 0.04 }, interactive: false }).addTo(base);
      if (base.getLayers().length) map.fitBounds(base.getBounds());
      return load({ parent: holder.dataset.code });
    }).then(function (children) {
      if (children) L.geoJSON(children, { style: { color: "#1f5fa8", weight: 1, fillOpacity: 0 }, interactive: false }).addTo(base);
    }).catch(function () { say("边界加载失败，仍可绘制"); });

    function redraw(closed) {
      drawing.clearLayers();
      if (!points.length) return;
      if (closed) {
        L.polygon(points, { color: "#c62828", weight: 2, fillOpacity: 0.2 }).addTo(drawing);
      } else {
        L.polyline(points, { color: "#c62828", dashArray: "4 4" }).addTo(drawing);
        points.forEach(function (p) { L.circleMarker(p, { radius: 4, color: "#c62828" }).addTo(drawing); });
      }
    }

    function write() {
      var ring = points.map(function (p) { return [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]; });
      ring.push(ring[0]);
      input.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    }

    function showExisting() {
      if (!input || !input.value) return;
      try {
        var geo = JSON.parse(input.value);
        points = geo.coordinates[0].slice(0, -1).map(function (c) { return L.latLng(c[1], c[0]); });
        redraw(true);
        map.fitBounds(L.latLngBounds(points));
        say("已绘制 " + points.length + " 个顶点");
      } catch (e) { input.value = ""; }
    }

    map.on("click", function (e) {
      if (input.value) { input.value = ""; points = []; }
      points.push(e.latlng);
      redraw(false);
      say("已添加 " + points.length + " 个顶点，双击结束");
    });

    map.on("dblclick", function () {
      // the two clicks of a double-click each added the same point
      while (points.length > 1 && points[points.length - 1].distanceTo(points[points.length - 2]) < 1) points.pop();
      if (points.length < 3) { say("至少需要 3 个顶点"); return; }
      redraw(true);
      write();
      say("区域已闭合（" + points.length + " 个顶点）");
    });

    var clear = document.querySelector("[data-clear-polygon]");
    if (clear) clear.addEventListener("click", function () {
      points = []; input.value = ""; drawing.clearLayers(); say("已清除");
    });
    showExisting();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
