// The map (一张图): our own jurisdiction boundaries are the base layer, so it works with
// no tile server. Boundaries come from GET /api/v1/map/jurisdictions (GeoJSON).
// Clicking a region drills down to its children; the crumbs and the back button go up.
(function () {
  "use strict";

  var LEVEL_STYLE = {
    county: { color: "#7a1f1a", fillColor: "#7a1f1a", fillOpacity: 0.06 },
    township: { color: "#c8281e", fillColor: "#c8281e", fillOpacity: 0.12 },
    village: { color: "#1f5fa8", fillColor: "#1f5fa8", fillOpacity: 0.12 },
    grid: { color: "#2e7d32", fillColor: "#2e7d32", fillOpacity: 0.14 }
  };
  var PERMANENT_LABEL_LIMIT = 40;

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function init() {
    var holder = document.getElementById("map");
    if (!holder || typeof window.L === "undefined") return;
    var L = window.L;
    var text = readJson("map-text") || {};
    var levels = readJson("map-levels") || [];
    var layerUrl = holder.dataset.layerUrl;
    var detailTemplate = holder.dataset.detailUrl;
    var statusEl = document.querySelector("[data-map-status]");
    var crumbsEl = document.querySelector("[data-map-crumbs]");
    var backBtn = document.querySelector("[data-map-back]");
    var detailLink = document.querySelector("[data-map-detail]");

    var map = L.map(holder, { zoomControl: true, zoomSnap: 0.25, attributionControl: Boolean(holder.dataset.tileUrl) });
    map.setView([29.47, 121.87], 9);
    if (holder.dataset.tileUrl) {
      L.tileLayer(holder.dataset.tileUrl, { attribution: holder.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
    }
    var layer = L.featureGroup().addTo(map);
    var stack = [];   // [{code, name, level}] from the top visible node down to the current one
    var drawn = [];   // codes drawn right now, for tests and for the status line
    var requestSeq = 0;

    var legendBox = addLegend();

    function detailUrl(code) {
      return detailTemplate.replace("000000", encodeURIComponent(code));
    }

    function setStatus(message, isError) {
      statusEl.textContent = message || "";
      statusEl.classList.toggle("is-error", Boolean(isError));
    }

    function fetchLayer(params) {
      var url = layerUrl + (params ? "?" + new URLSearchParams(params).toString() : "");
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) { return (data && data.features) || []; });
    }

    // The legend folds behind its title (a button) so that on a phone it does not cover the map.
    function addLegend() {
      var legend = L.control({ position: "bottomright" });
      var body;
      legend.onAdd = function () {
        var box = L.DomUtil.create("div", "map-legend");
        var title = L.DomUtil.create("button", "map-popup-title map-legend-toggle", box);
        title.type = "button";
        title.textContent = text.legend || "";
        body = L.DomUtil.create("div", "map-legend-body", box);
        body.id = "map-legend-body";
        title.setAttribute("aria-controls", body.id);
        var setOpen = function (open) {
          box.classList.toggle("is-collapsed", !open);
          title.setAttribute("aria-expanded", open ? "true" : "false");
        };
        setOpen(window.innerWidth >= 600);
        title.addEventListener("click", function () { setOpen(box.classList.contains("is-collapsed")); });
        levels.forEach(function (level) {
          var row = L.DomUtil.create("div", "map-legend-row", body);
          L.DomUtil.create("span", "map-swatch swatch-" + level.value, row);
          var label = L.DomUtil.create("span", "", row);
          label.textContent = level.label;
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      };
      legend.addTo(map);
      return body;
    }

    function styleFor(level, focus) {
      var base = LEVEL_STYLE[level] || LEVEL_STYLE.grid;
      if (focus) return { color: base.color, weight: 3, fillOpacity: 0, dashArray: "6 4", interactive: false };
      return { color: base.color, weight: 1.5, fillColor: base.fillColor, fillOpacity: base.fillOpacity };
    }

    function drawFeature(feature, focus, labelPermanent) {
      if (!feature.geometry) return null;
      var props = feature.properties || {};
      var shape = L.geoJSON(feature, { style: function () { return styleFor(props.level, focus); } });
      shape.eachLayer(function (path) {
        path.feature = feature;
        path.on("add", function () {
          var el = path.getElement && path.getElement();
          if (!el) return;
          el.classList.add("yj-region", "yj-level-" + props.level);
          if (focus) el.classList.add("yj-focus");
          el.setAttribute("data-code", props.code);
          el.setAttribute("data-name", props.name);
        });
      });
      if (!focus) {
        shape.bindTooltip(props.name, {
          permanent: labelPermanent, direction: "center", className: "region-label", sticky: !labelPermanent
        });
        shape.on("click", function (event) { onRegionClick(feature, event); });
      }
      shape.addTo(layer);
      drawn.push(props.code);
      return shape;
    }

    function onRegionClick(feature, event) {
      var props = feature.properties;
      var current = stack[stack.length - 1];
      if (props.level === "grid" || (current && current.code === props.code)) {
        var box = L.DomUtil.create("div", "map-popup");
        var title = L.DomUtil.create("div", "map-popup-title", box);
        title.textContent = props.name;
        var link = L.DomUtil.create("a", "", box);
        link.href = detailUrl(props.code);
        link.textContent = text.detail;
        L.popup().setLatLng(event.latlng).setContent(box).openOn(map);
        return;
      }
      stack.push({ code: props.code, name: props.name, level: props.level });
      showCurrent();
    }

    function renderCrumbs() {
      crumbsEl.textContent = "";
      var items = stack.length ? stack : [];
      items.forEach(function (item, index) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = item.name;
        if (index < items.length - 1) {
          button.addEventListener("click", function () {
            stack = stack.slice(0, index + 1);
            showCurrent();
          });
        } else {
          button.setAttribute("aria-current", "location");
        }
        li.appendChild(button);
        crumbsEl.appendChild(li);
      });
      backBtn.disabled = stack.length <= 1;
      var current = stack[stack.length - 1];
      if (current && current.code) {
        detailLink.href = detailUrl(current.code);
        detailLink.classList.remove("hidden");
      } else {
        detailLink.classList.add("hidden");
      }
    }

    function finish(features, missing) {
      var bounds = layer.getBounds();
      // No zoom animation: the map is settled (and testable) as soon as it says "ready".
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], animate: false });
      holder.dataset.drawn = drawn.join(" ");
      holder.dataset.state = "ready";
      // The overlays (map_layers.js) reload for the node now shown.
      holder.dispatchEvent(new CustomEvent("yj:view", { detail: stack[stack.length - 1] || null }));
      if (!features.length && !drawn.length) {
        setStatus(text.empty);
      } else if (missing.length) {
        setStatus(text.noBoundary + missing.join("、"));
      } else {
        var current = stack[stack.length - 1];
        setStatus((current ? current.name + " · " : "") + features.length + " " + text.regions);
      }
    }

    function drawChildren(focusFeature, children, seq) {
      if (seq !== requestSeq) return;
      layer.clearLayers();
      drawn = [];
      var missing = [];
      var permanent = children.length <= PERMANENT_LABEL_LIMIT;
      children.forEach(function (feature) {
        if (!drawFeature(feature, false, permanent)) missing.push(feature.properties.name);
      });
      if (focusFeature) drawFeature(focusFeature, !children.length ? false : true, true);
      finish(children.length ? children : (focusFeature ? [focusFeature] : []), missing);
    }

    function showCurrent() {
      var seq = ++requestSeq;
      holder.dataset.state = "loading";
      setStatus(text.loading);
      renderCrumbs();
      var current = stack[stack.length - 1];
      var work;
      if (!current.code) {
        // The virtual top: all visible roots side by side.
        work = fetchLayer(null).then(function (roots) { drawChildren(null, roots, seq); });
      } else {
        work = Promise.all([fetchLayer({ code: current.code }), fetchLayer({ parent: current.code })])
          .then(function (results) { drawChildren(results[0][0] || null, results[1], seq); });
      }
      work.catch(function () {
        if (seq !== requestSeq) return;
        holder.dataset.state = "error";
        setStatus(text.failed, true);
      });
    }

    function start() {
      var startCode = holder.dataset.startCode;
      fetchLayer(null).then(function (roots) {
        if (roots.length === 1) {
          var top = roots[0].properties;
          stack = [{ code: top.code, name: top.name, level: top.level }];
        } else {
          stack = [{ code: "", name: text.all, level: "" }];
        }
        if (startCode && startCode !== (stack[0].code || "")) {
          return fetchLayer({ code: startCode }).then(function (found) {
            if (found.length) {
              var p = found[0].properties;
              stack.push({ code: p.code, name: p.name, level: p.level });
            }
            showCurrent();
          });
        }
        showCurrent();
      }).catch(function () {
        holder.dataset.state = "error";
        setStatus(text.failed, true);
      });
    }

    backBtn.addEventListener("click", function () {
      if (stack.length > 1) {
        stack.pop();
        showCurrent();
      }
    });

    window.yingjiMap = {
      map: map,
      legend: legendBox,
      boundaryUrl: layerUrl,
      drawnCodes: function () { return drawn.slice(); },
      current: function () { return stack[stack.length - 1] || null; }
    };
    start();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
