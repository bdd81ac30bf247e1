// The public report form: "use my location" (the browser gives WGS-84) and a photo count.
(function () {
  "use strict";

  function initLocate(form) {
    var button = form.querySelector("[data-locate]");
    var status = form.querySelector("[data-locate-status]");
    if (!button) return;
    if (!navigator.geolocation) { button.disabled = true; status.textContent = form.dataset.textNoGeo; return; }
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = form.dataset.textLocating;
      navigator.geolocation.getCurrentPosition(function (position) {
        form.querySelector("[name=lng]").value = position.coords.longitude.toFixed(7);
        form.querySelector("[name=lat]").value = position.coords.latitude.toFixed(7);
        status.textContent = form.dataset.textLocated + "（±" + Math.round(position.coords.accuracy) + " m）";
        button.disabled = false;
      }, function () {
        status.textContent = form.dataset.textNoGeo;
        button.disabled = false;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  function initPhotos(form) {
    var inputs = form.querySelectorAll("[data-photo-input]");
    var status = form.querySelector("[data-photo-status]");
    var max = parseInt(form.dataset.maxPhotos, 10) || 3;
    function update() {
      var names = [];
      inputs.forEach(function (input) { Array.prototype.forEach.call(input.files, function (f) { names.push(f.name); }); });
      status.textContent = names.length ? names.length + "：" + names.join("、") : "";
      if (names.length > max) status.textContent += " — " + form.dataset.textTooMany;
    }
    inputs.forEach(function (input) { input.addEventListener("change", update); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-pubrep-form]");
    if (!form) return;
    initLocate(form);
    initPhotos(form);
  });
})();
