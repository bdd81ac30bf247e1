// Teams pages: the team map on the list page and the nearest-teams page.
// Data comes from the JSON API (/api/v1/teams/geojson, /api/v1/teams/nearest); page text
// and legend come from json_script blocks; no inline script or style (strict CSP).
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function baseMap(holder, centre, zoom) {
    var L = window.L;
    var map = L.map(holder, { zoomControl: true, attributionControl: Boolean(holder.dataset.tileUrl) });
    map.setView(centre, zoom);
    if (holder.dataset.tileUrl) {
      L.tileLayer(holder.dataset.tileUrl, { attribution: holder.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
    }
    if (holder.dataset.boundaryUrl) {
      // The user's own jurisdiction outline as a backdrop, so the map reads without tiles.
      fetch(holder.dataset.boundaryUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.features) return;
          var outline = L.geoJSON(data, { style: function () { return { color: "#7a1f1a", weight: 1.5, fillOpacity: 0.04, interactive: false }; } });
          outline.addTo(map);
          outline.bringToBack();
        })
        .catch(function () { /* the backdrop is optional */ });
    }
    return map;
  }

  function addLegend(map, legend) {
    var L = window.L;
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend team-legend");
      (legend.kinds || []).forEach(function (kind) {
        var row = L.DomUtil.create("div", "map-legend-row", box);
        L.DomUtil.create("span", "kind-dot kind-" + kind.value, row);
        L.DomUtil.create("span", "", row).textContent = kind.label;
      });
      return box;
    };
    control.addTo(map);
  }

  function teamMarker(props, latlng) {
    var L = window.L;
    var className = "team-marker kind-" + props.kind + " status-" + props.status;
    return L.marker(latlng, {
      icon: L.divIcon({ className: className, iconSize: [16, 16], iconAnchor: [8, 8] }),
      title: props.name,
      keyboard: true
    });
  }

  // --- list page: every team of the filtered list on the map -----------------------------
  function initTeamMap() {
    var holder = document.getElementById("team-map");
    if (!holder || typeof window.L === "undefined") return;
    var L = window.L;
    var legend = readJson("team-legend") || {};
    var map = baseMap(holder, [29.47, 121.87], 9);
    var layer = L.featureGroup().addTo(map);
    var statusEl = document.querySelector("[data-team-map-status]");
    var form = document.getElementById(holder.dataset.filterForm);
    addLegend(map, legend);

    function load() {
      var params = new URLSearchParams();
      if (form) {
        new FormData(form).forEach(function (value, key) {
          if (!value) return;  // empty filters mean "all"; the API refuses empty enum values
          if (key === "archived") params.set("include_archived", "true");
          else params.set(key, value);
        });
      }
      var query = params.toString();
      var url = holder.dataset.layerUrl + (query ? "?" + query : "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (data) {
          layer.clearLayers();
          (data.features || []).forEach(function (feature) {
            var p = feature.properties;
            var c = feature.geometry.coordinates;
            var marker = teamMarker(p, [c[1], c[0]]);
            var box = L.DomUtil.create("div", "map-popup");
            var link = L.DomUtil.create("a", "map-popup-title", box);
            link.href = p.url;
            link.textContent = p.name;
            L.DomUtil.create("div", "small", box).textContent = p.kind_label + " · " + p.status_label;
            marker.bindPopup(box);
            marker.addTo(layer);
          });
          if (statusEl) statusEl.textContent = String((data.features || []).length);
          if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 14 });
        })
        .catch(function () { if (statusEl) statusEl.textContent = "!"; });
    }
    load();
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail && event.detail.target && event.detail.target.id === "team-results") load();
    });
  }

  // --- nearest page: pick a point, list nearest available teams ---------------------------
  function initNearest() {
    var holder = document.getElementById("nearest-map");
    if (!holder || typeof window.L === "undefined") return;
    var L = window.L;
    var text = readJson("nearest-text") || {};
    var legend = readJson("team-legend") || {};
    var centre = holder.dataset.centre.split(",").map(Number);
    var map = baseMap(holder, [centre[1], centre[0]], 12);
    var markers = L.featureGroup().addTo(map);
    var pin = null;
    var listEl = document.querySelector("[data-nearest-list]");
    var statusEl = document.querySelector("[data-nearest-status]");
    var pointEl = document.querySelector("[data-nearest-point]");
    var capabilityEl = document.querySelector("[data-capability]");
    var last = null;
    var seq = 0;
    addLegend(map, legend);

    function distanceText(m) {
      return m >= 1000 ? (m / 1000).toFixed(1) + " " + text.km : Math.round(m) + " " + text.m;
    }

    function render(items) {
      listEl.textContent = "";
      markers.clearLayers();
      if (!items.length) {
        statusEl.textContent = text.none;
        return;
      }
      statusEl.textContent = (text.found || "").replace("%(n)s", items.length);
      items.forEach(function (team, index) {
        var li = document.createElement("li");
        li.className = "nearest-item";
        li.dataset.teamId = team.id;
        li.dataset.distance = team.distance_m;
        var head = document.createElement("div");
        head.className = "nearest-head";
        var rank = document.createElement("span");
        rank.className = "nearest-rank kind-" + team.kind;
        rank.textContent = String(index + 1);
        var name = document.createElement("a");
        name.href = holder.dataset.detailUrl.replace("/0/", "/" + team.id + "/");
        name.textContent = team.name;
        var dist = document.createElement("span");
        dist.className = "nearest-distance";
        dist.textContent = distanceText(team.distance_m);
        head.appendChild(rank);
        head.appendChild(name);
        head.appendChild(dist);
        li.appendChild(head);
        var meta = document.createElement("div");
        meta.className = "muted small";
        meta.textContent = team.kind_label + " · " + team.jurisdiction_name + (team.capabilities.length ? " · " + team.capabilities.join("、") : "");
        li.appendChild(meta);
        var phones = [team.duty_phone, team.leader_mobile].filter(function (p) { return p && p.indexOf("*") < 0; });
        phones.forEach(function (phone) {
          var call = document.createElement("a");
          call.className = "btn btn-small btn-call";
          call.href = "tel:" + phone;
          call.textContent = text.call + " " + phone;
          li.appendChild(call);
        });
        listEl.appendChild(li);
        var marker = teamMarker({ kind: team.kind, status: team.status, name: team.name }, [team.lat, team.lng]);
        marker.bindTooltip(String(index + 1) + ". " + team.name);
        marker.addTo(markers);
      });
    }

    function search(lng, lat) {
      last = [lng, lat];
      var mine = ++seq;
      statusEl.textContent = text.loading;
      if (pin) pin.remove();
      pin = L.circleMarker([lat, lng], { radius: 9, color: "#c8281e", weight: 3, fillOpacity: 0.3 }).addTo(map);
      pointEl.textContent = text.point + "：" + lng.toFixed(5) + ", " + lat.toFixed(5);
      var params = new URLSearchParams({ lng: lng.toFixed(7), lat: lat.toFixed(7), limit: "10" });
      if (capabilityEl && capabilityEl.value) params.set("capability", capabilityEl.value);
      fetch(holder.dataset.nearestUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (data) {
          if (mine !== seq) return;
          render(data.items || []);
          var bounds = markers.getLayers().length ? markers.getBounds().extend(pin.getLatLng()) : null;
          if (bounds) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
        })
        .catch(function () { if (mine === seq) statusEl.textContent = text.failed; });
    }

    map.on("click", function (event) { search(event.latlng.lng, event.latlng.lat); });
    if (capabilityEl) capabilityEl.addEventListener("change", function () { if (last) search(last[0], last[1]); });
    var locate = document.querySelector("[data-locate]");
    if (locate) {
      locate.addEventListener("click", function () {
        if (!navigator.geolocation) { statusEl.textContent = text.no_geo; return; }
        navigator.geolocation.getCurrentPosition(
          function (pos) { pointEl.textContent = text.located; search(pos.coords.longitude, pos.coords.latitude); },
          function () { statusEl.textContent = text.no_geo; },
          { enableHighAccuracy: true, timeout: 10000 }
        );
      });
    }
    holder.yjSearch = search; // for tests and for links that open the page at a point
    var query = new URLSearchParams(window.location.search);
    if (query.get("lng") && query.get("lat")) search(Number(query.get("lng")), Number(query.get("lat")));
  }

  document.addEventListener("DOMContentLoaded", function () {
    initTeamMap();
    initNearest();
  });
})();
