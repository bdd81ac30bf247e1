// Overlays of the one map (一张图): places by risk grade, teams, storage points, shelters with
// evacuation routes, and the areas of active warnings, on top of the boundaries map.js draws.
// The page lists the overlays this deployment serves (json_script "map-overlays", decided
// server-side in dashboard/overlays.py); each is fetched from its own API for the node on
// show (`jurisdiction=`) and, where the endpoint takes it, the visible box (`bbox=`),
// again after the map stops moving. The choice of overlays is kept in localStorage.
(function () {
  "use strict";

  var STORAGE_KEY = "yingji.map.overlays";
  var DEFAULT_ON = ["places", "warnings"];
  var SVG_CAP = 3000;         // SVG circle markers stay smooth up to a few thousand
  var DRAW_CAP = 25000;       // beyond SVG_CAP points go to one canvas, up to this many
  var DEBOUNCE_MS = 350;
  var BOUNDARY_FETCH_CAP = 60; // warning area nodes whose boundaries are fetched per load
  var WARNING_LIST_CAP = 6;    // warnings named in the legend

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function loadChoice(keys) {
    try {
      var stored = window.localStorage.getItem(STORAGE_KEY);
      if (stored !== null) {
        var list = JSON.parse(stored);
        if (Array.isArray(list)) return list.filter(function (k) { return keys.indexOf(k) >= 0; });
      }
    } catch (e) { /* storage off or damaged: fall back to the defaults */ }
    return DEFAULT_ON.filter(function (k) { return keys.indexOf(k) >= 0; });
  }

  function saveChoice(list) {
    try { window.localStorage.setItem(STORAGE_KEY, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }

  function init() {
    var api = window.yingjiMap;
    var holder = document.getElementById("map");
    var specs = readJson("map-overlays") || [];
    if (!api || !holder || typeof window.L === "undefined" || !specs.length) return;
    var L = window.L;
    var map = api.map;
    var text = readJson("map-overlay-text") || {};
    var statusEl = document.querySelector("[data-overlay-status]");

    // Panes keep the order whatever is redrawn: warning areas under the regions (and never
    // catching a click meant for them), routes and points above the regions.
    map.createPane("yjAreas").style.zIndex = 390;
    map.getPane("yjAreas").classList.add("yj-pane-passive");
    map.createPane("yjLines").style.zIndex = 430;
    map.createPane("yjPoints").style.zIndex = 450;
    map.createPane("yjMarkers").style.zIndex = 460;
    map.createPane("yjDense").style.zIndex = 395;
    map.getPane("yjDense").classList.add("yj-pane-passive");
    var denseRenderer = L.canvas({ pane: "yjDense" });

    var states = {};
    var order = [];
    var boundaryCache = {};
    var rootsPromise = null;
    var timer = null;

    specs.forEach(function (spec) {
      var legend = {};
      (spec.legend || []).forEach(function (row) { legend[row.value] = row; });
      states[spec.key] = {
        spec: spec, legend: legend, group: L.layerGroup(), enabled: false, seq: 0,
        lastQuery: null, lastBounds: null, state: "idle", count: 0, drawn: 0, truncated: false, warnings: []
      };
      order.push(spec.key);
    });

    // --- the switcher -------------------------------------------------------------------
    var named = {};
    order.forEach(function (key) {
      var span = document.createElement("span");
      span.className = "map-layer-name";
      span.setAttribute("data-overlay", key);
      span.textContent = states[key].spec.label;
      named[span.outerHTML] = states[key].group;
    });
    var control = L.control.layers(null, named, { collapsed: window.innerWidth < 900, position: "topright" }).addTo(map);
    var controlEl = control.getContainer();
    controlEl.classList.add("map-layer-switcher");
    var toggle = controlEl.querySelector(".leaflet-control-layers-toggle");
    if (toggle) {
      toggle.title = text.layers || "";
      toggle.setAttribute("aria-label", text.layers || "");
    }
    var byLayer = function (layer) {
      for (var i = 0; i < order.length; i++) if (states[order[i]].group === layer) return states[order[i]];
      return null;
    };

    var legendBox = document.createElement("div");
    legendBox.className = "map-overlay-legend";
    if (api.legend) api.legend.appendChild(legendBox);

    // --- drawing ------------------------------------------------------------------------
    function detailUrl(spec, id) {
      return spec.detail ? spec.detail.replace(/\/0\/$/, "/" + encodeURIComponent(id) + "/") : "";
    }

    function popup(title, rows, href) {
      var box = L.DomUtil.create("div", "map-popup");
      L.DomUtil.create("div", "map-popup-title", box).textContent = title || "";
      rows.forEach(function (row) {
        if (row) L.DomUtil.create("div", "map-popup-row", box).textContent = row;
      });
      if (href) {
        var link = L.DomUtil.create("a", "", box);
        link.href = href;
        link.textContent = text.open || "";
      }
      return box;
    }

    function colourOf(st, props) {
      var key = st.spec.key;
      if (key === "places") return (st.legend[props.grade || ""] || {}).colour;
      if (key === "teams") return props.status_colour || (st.legend[props.status] || {}).colour;
      if (key === "storage") return (st.legend[props.expired_count > 0 ? "expired" : "ok"] || {}).colour;
      if (key === "shelters") return props.colour || (st.legend[props.status] || {}).colour;
      if (key === "hazards") return (st.legend[props.colour || ""] || {}).colour;
      return "#555555";
    }

    function pointPopup(st, props) {
      var spec = st.spec;
      var key = spec.key;
      if (key === "places") {
        var grade = st.legend[props.grade || ""];
        return popup(props.name, [props.kind_name, (text.grade || "") + "：" + (grade ? grade.label : text.ungraded)], detailUrl(spec, props.id));
      }
      if (key === "teams") {
        return popup(props.name, [props.kind_label, (text.status || "") + "：" + (props.status_label || ""), props.jurisdiction_name],
          props.url || detailUrl(spec, props.id));
      }
      if (key === "storage") {
        var rows = [props.kind_label, props.jurisdiction_name, (text.supplies || "") + "：" + (props.supply_count || 0)];
        if (props.expired_count) rows.push((text.expired || "") + "：" + props.expired_count);
        return popup(props.name, rows, detailUrl(spec, props.id));
      }
      if (key === "shelters") {
        return popup(props.name, [
          props.kind, (text.status || "") + "：" + (props.status_label || ""),
          (text.occupancy || "") + "：" + (props.occupancy || 0) + " / " + (text.capacity || "") + "：" + (props.capacity_night || 0)
        ], detailUrl(spec, props.id));
      }
      if (key === "hazards") {
        var tone = st.legend[props.colour || ""];
        return popup(props.number, [props.description, props.place_name, (text.status || "") + "：" + (props.state_label || ""),
          tone ? tone.label + (props.deadline ? " · " + props.deadline : "") : ""], detailUrl(spec, props.id));
      }
      return popup(props.name, [], "");
    }

    function drawGeojson(st, data) {
      var features = (data && data.features) || [];
      var spec = st.spec;
      var limit = spec.limit || 0;
      st.count = features.length;
      st.truncated = (limit > 0 && features.length >= limit) || features.length > DRAW_CAP;
      // Many points (a whole county of places): one canvas under the regions, so clicking
      // still drills down; a click on a region then shows few enough to open one by one.
      st.dense = features.length > SVG_CAP;
      var drawn = 0;
      var className = "yj-overlay yj-overlay-" + spec.key;
      var routeColour = (st.legend.route || {}).colour || "#00838f";
      for (var i = 0; i < features.length && drawn < DRAW_CAP; i++) {
        var feature = features[i];
        var geometry = feature.geometry;
        var props = feature.properties || {};
        if (!geometry) continue;
        if (geometry.type === "Point") {
          var c = geometry.coordinates;
          if (!c || c[0] === null || c[1] === null || c[0] === undefined || c[1] === undefined) continue;
          var colour = colourOf(st, props) || "#555555";
          var marker;
          if (st.dense) {
            L.circleMarker([c[1], c[0]], {
              renderer: denseRenderer, interactive: false, radius: props.key_unit ? 4 : 3,
              color: colour, weight: 0, fillColor: colour, fillOpacity: 0.85
            }).addTo(st.group);
            drawn++;
            continue;
          }
          if (spec.key === "places" || spec.key === "hazards") {
            // Hundreds of places or hazards: plain SVG circles, the cheapest clickable marker Leaflet has.
            marker = L.circleMarker([c[1], c[0]], {
              pane: "yjPoints", className: className, radius: props.key_unit || props.severity === "major" ? 7 : 5,
              color: colour, weight: 1, fillColor: colour, fillOpacity: 0.8
            });
          } else {
            // Tens of teams, depots and shelters: a shape per overlay (legend matches), a
            // 32 px hit area around a small mark, and keyboard focus as Leaflet markers have.
            marker = L.marker([c[1], c[0]], {
              pane: "yjMarkers", title: props.name || "", alt: props.name || "",
              icon: L.divIcon({ className: "yj-marker yj-marker-" + spec.key, html: "<span class=\"yj-marker-mark\"></span>", iconSize: [32, 32] })
            });
            marker.on("add", (function (col) {
              return function (event) {
                var mark = event.target.getElement() && event.target.getElement().firstChild;
                if (mark) mark.style.backgroundColor = col;
              };
            })(colour));
          }
          marker.bindPopup((function (p) { return function () { return pointPopup(st, p); }; })(props));
          marker.addTo(st.group);
          drawn++;
        } else if (geometry.type === "LineString" || geometry.type === "MultiLineString") {
          var line = L.geoJSON(feature, {
            pane: "yjLines",
            style: function () { return { color: routeColour, weight: 4, opacity: 0.85, dashArray: "8 6", className: className + " yj-route" }; }
          });
          line.bindPopup((function (p) {
            return function () {
              return popup(p.name, [(text.route || "") + " · " + (text.length || "") + "：" + (p.length_m || 0)], detailUrl(spec, p.shelter_id));
            };
          })(props));
          line.addTo(st.group);
          drawn++;
        }
      }
      st.drawn = drawn;
    }

    function roots() {
      if (!rootsPromise) rootsPromise = getJson(api.boundaryUrl).then(function (d) { return d.features || []; });
      return rootsPromise;
    }

    function boundary(code) {
      // A warning sent by the township reaches a grid worker whose scope is below it: the
      // township boundary is not theirs to load, but all they can see lies inside it.
      if (!boundaryCache[code]) {
        boundaryCache[code] = getJson(api.boundaryUrl + "?code=" + encodeURIComponent(code))
          .then(function (d) { return d.features || []; })
          .catch(function () {
            return roots().then(function (rs) {
              return rs.filter(function (f) { return f.properties && f.properties.code.indexOf(code) === 0; });
            });
          });
      }
      return boundaryCache[code];
    }

    function drawWarnings(st, data, seq) {
      var items = (data && data.items) || [];
      st.count = typeof data.count === "number" ? data.count : items.length;
      st.truncated = st.count > items.length;
      st.warnings = items;
      var codes = [];
      items.forEach(function (w) {
        (w.area || []).forEach(function (code) { if (codes.indexOf(code) < 0) codes.push(code); });
      });
      // A warning readable here whose area nodes are all above the user's scope (so the API
      // names none of them) covers everything the user can see: draw their top boundaries.
      var coversAll = items.some(function (w) { return !w.area_polygon && !(w.area || []).length; });
      var loads = codes.slice(0, BOUNDARY_FETCH_CAP).map(function (code) {
        return boundary(code).then(function (fs) { return [code, fs]; });
      });
      if (coversAll) loads.push(roots().then(function (fs) { return ["", fs]; }));
      return Promise.all(loads).then(function (pairs) {
        if (seq !== st.seq) return;
        var shapes = {};
        pairs.forEach(function (pair) { shapes[pair[0]] = pair[1]; });
        var drawn = 0;
        // Least severe first, so the most severe colour ends on top where areas overlap.
        var levels = ["blue", "yellow", "orange", "red"];
        items.slice().sort(function (a, b) { return levels.indexOf(a.level) - levels.indexOf(b.level); }).forEach(function (w) {
          var colour = (st.legend[w.level] || {}).colour || "#555555";
          var style = function () {
            return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.22, interactive: false, className: "yj-overlay yj-overlay-warnings" };
          };
          if (w.area_polygon) {
            L.geoJSON(w.area_polygon, { pane: "yjAreas", style: style, interactive: false }).addTo(st.group);
            drawn++;
          }
          var area = (w.area || []).length || w.area_polygon ? (w.area || []) : [""];
          area.forEach(function (code) {
            (shapes[code] || []).forEach(function (feature) {
              if (!feature.geometry) return;
              L.geoJSON(feature, { pane: "yjAreas", style: style, interactive: false }).addTo(st.group);
              drawn++;
            });
          });
        });
        st.drawn = drawn;
      });
    }

    // --- loading ------------------------------------------------------------------------
    function getJson(url) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        });
    }

    function queryFor(spec) {
      var params = new URLSearchParams();
      var fixed = spec.fixed || {};
      Object.keys(fixed).forEach(function (k) { params.set(k, fixed[k]); });
      var node = api.current();
      if (spec.params.indexOf("jurisdiction") >= 0 && node && node.code) params.set("jurisdiction", node.code);
      return params;
    }

    function refresh(st) {
      var spec = st.spec;
      var params = queryFor(spec);
      var box = null;
      var view = map.getBounds();
      var base = params.toString();
      if (spec.params.indexOf("bbox") >= 0 && view.isValid()) {
        // A box a little larger than the view, so small pans need no new request; zooming
        // into a cut-short or canvas-drawn answer asks again (the smaller box holds fewer).
        var settled = st.state === "ready" ? !st.truncated && !st.dense : st.state === "loading";
        if (st.lastQuery === base && st.lastBounds && settled && st.lastBounds.contains(view)) return;
        box = view.pad(0.25);
        params.set("bbox", [box.getWest(), box.getSouth(), box.getEast(), box.getNorth()].map(function (v) { return v.toFixed(5); }).join(","));
      } else if (st.lastQuery === base && (st.state === "ready" || st.state === "loading")) {
        return;
      }
      var seq = ++st.seq;
      st.state = "loading";
      st.lastQuery = base;
      st.lastBounds = box;
      render();
      getJson(spec.url + "?" + params.toString())
        .then(function (data) {
          if (seq !== st.seq) return null;
          st.group.clearLayers();
          st.count = 0;
          st.drawn = 0;
          st.truncated = false;
          st.dense = false;
          st.warnings = [];
          if (spec.format === "warnings") return drawWarnings(st, data, seq);
          drawGeojson(st, data);
          return null;
        })
        .then(function () {
          if (seq !== st.seq) return;
          st.state = "ready";
          render();
        })
        .catch(function () {
          if (seq !== st.seq) return;
          st.state = "error";
          st.lastQuery = null;
          render();
        });
    }

    function refreshAll() {
      if (holder.dataset.state !== "ready") return;
      order.forEach(function (key) { if (states[key].enabled) refresh(states[key]); });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refreshAll, DEBOUNCE_MS);
    }

    // --- status line and legend ------------------------------------------------------------
    function render() {
      var parts = [];
      var loading = false;
      order.forEach(function (key) {
        var st = states[key];
        if (!st.enabled) return;
        if (st.state === "loading") {
          loading = true;
          parts.push(st.spec.label + " " + (text.loading || "…"));
        } else if (st.state === "error") {
          parts.push(st.spec.label + "：" + text.failed);
        } else if (st.state === "ready") {
          var note = st.truncated ? text.truncated : (st.dense ? text.dense : "");
          parts.push(st.spec.label + " " + st.count.toLocaleString() + (note ? "（" + note + "）" : ""));
        }
      });
      if (statusEl) {
        statusEl.textContent = parts.join(" · ");
        statusEl.classList.toggle("is-warn", order.some(function (k) { return states[k].enabled && states[k].truncated; }));
      }
      holder.dataset.overlaysState = loading ? "loading" : "ready";
      holder.dataset.overlays = order.filter(function (k) { return states[k].enabled; }).join(" ");
      renderLegend();
    }

    function swatch(parent, row, key) {
      var item = L.DomUtil.create("span", "map-overlay-key", parent);
      var mark = L.DomUtil.create("span", row.shape === "line" ? "map-overlay-line" : "map-overlay-dot shape-" + key, item);
      mark.style.backgroundColor = row.colour;
      L.DomUtil.create("span", "", item).textContent = row.label;
    }

    function renderLegend() {
      legendBox.textContent = "";
      order.forEach(function (key) {
        var st = states[key];
        if (!st.enabled) return;
        var section = L.DomUtil.create("div", "map-overlay-section", legendBox);
        section.setAttribute("data-overlay", key);
        L.DomUtil.create("div", "map-overlay-title", section).textContent = st.spec.label;
        var keys = L.DomUtil.create("div", "map-overlay-keys", section);
        (st.spec.legend || []).forEach(function (row) { swatch(keys, row, key); });
        if (key === "warnings" && st.warnings.length) {
          var list = L.DomUtil.create("ul", "map-overlay-warnings", section);
          st.warnings.slice(0, WARNING_LIST_CAP).forEach(function (w) {
            var li = L.DomUtil.create("li", "", list);
            var dot = L.DomUtil.create("span", "map-overlay-dot", li);
            dot.style.backgroundColor = (st.legend[w.level] || {}).colour || "#555555";
            var link = L.DomUtil.create("a", "", li);
            link.href = detailUrl(st.spec, w.id);
            link.textContent = w.title;
          });
          if (st.count > WARNING_LIST_CAP) L.DomUtil.create("li", "muted", list).textContent = (text.more || "").replace("{n}", st.count);
        }
      });
      L.DomEvent.disableClickPropagation(legendBox);
    }

    // --- switching --------------------------------------------------------------------------
    function enabledKeys() {
      return order.filter(function (k) { return states[k].enabled; });
    }

    map.on("overlayadd", function (event) {
      var st = byLayer(event.layer);
      if (!st) return;
      st.enabled = true;
      saveChoice(enabledKeys());
      render();
      // Before the boundaries are drawn there is no node to ask for; "yj:view" loads it then.
      if (holder.dataset.state === "ready") refresh(st);
    });
    map.on("overlayremove", function (event) {
      var st = byLayer(event.layer);
      if (!st) return;
      st.enabled = false;
      st.seq++;
      st.state = "idle";
      st.lastQuery = null;
      st.group.clearLayers();
      saveChoice(enabledKeys());
      render();
    });

    loadChoice(order).forEach(function (key) {
      states[key].enabled = true;
      states[key].group.addTo(map);  // the control hears it and fires "overlayadd" (above)
    });
    render();
    map.on("moveend", schedule);
    holder.addEventListener("yj:view", schedule);
    if (holder.dataset.state === "ready") schedule();

    api.overlays = function () {
      var out = {};
      order.forEach(function (key) {
        var st = states[key];
        out[key] = { enabled: st.enabled, state: st.state, count: st.count, drawn: st.drawn, truncated: st.truncated, dense: Boolean(st.dense) };
      });
      return out;
    };
  }

  document.addEventListener("DOMContentLoaded", init);
})();
