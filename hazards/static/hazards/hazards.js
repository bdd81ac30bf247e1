// Hazard pages (CSP: no inline script). The report form takes the phone's position with
// navigator.geolocation (WGS-84, as the form stores), and falls back to typing it in.
(function () {
  "use strict";

  function initLocate() {
    var button = document.querySelector("[data-hz-locate]");
    if (!button) return;
    var status = document.querySelector("[data-hz-locate-status]");
    var lat = document.getElementById("id_lat");
    var lng = document.getElementById("id_lng");
    var manual = document.querySelector("[data-hz-manual]");
    function say(text) { if (status) status.textContent = text || ""; }
    if (!navigator.geolocation) {
      button.disabled = true;
      say(button.dataset.unsupported);
      if (manual) manual.open = true;
      return;
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      say(button.dataset.working);
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        say(button.dataset.done.replace("%s", Math.round(position.coords.accuracy)));
        button.disabled = false;
      }, function () {
        say(button.dataset.failed);
        if (manual) manual.open = true;
        button.disabled = false;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  initLocate();
})();
