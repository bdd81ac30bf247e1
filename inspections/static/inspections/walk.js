/* The inspection walk on a phone: check-in by GPS, one-tap hazard, the signature pad. */
(function () {
  "use strict";

  function checkIn(form) {
    var button = form.querySelector("[data-geo]");
    var status = form.querySelector("[data-geo-status]");
    if (!button) return;
    function say(text) {
      if (!status) return;
      status.hidden = false;
      status.textContent = text;
    }
    button.addEventListener("click", function () {
      if (!("geolocation" in navigator)) {
        say("此浏览器不支持定位，请更换浏览器或在 HTTPS 下访问。");
        return;
      }
      button.disabled = true;
      say("正在定位…");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(7);
          form.elements.lng.value = position.coords.longitude.toFixed(7);
          form.elements.accuracy.value = Math.round(position.coords.accuracy || 0);
          form.submit();
        },
        function (error) {
          button.disabled = false;
          say(error.code === 1 ? "未获得定位权限，请在浏览器设置中允许获取位置后重试。" : "定位失败，请到开阔处重试。");
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
      );
    });
  }

  function signaturePad(form) {
    var canvas = form.querySelector("[data-signature-pad]");
    if (!canvas) return;
    var context = canvas.getContext("2d");
    var drawn = false;
    var drawing = false;
    var error = form.querySelector("[data-sign-error]");

    function resize() {
      var ratio = window.devicePixelRatio || 1;
      var width = canvas.clientWidth || 300;
      var height = canvas.clientHeight || 150;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.lineWidth = 2.5;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#111";
      drawn = false;
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      var source = event.touches && event.touches.length ? event.touches[0] : event;
      return { x: source.clientX - box.left, y: source.clientY - box.top };
    }

    function begin(event) {
      event.preventDefault();
      drawing = true;
      var p = point(event);
      context.beginPath();
      context.moveTo(p.x, p.y);
      context.lineTo(p.x + 0.1, p.y + 0.1);
      context.stroke();
      drawn = true;
      if (error) error.hidden = true;
    }

    function move(event) {
      if (!drawing) return;
      event.preventDefault();
      var p = point(event);
      context.lineTo(p.x, p.y);
      context.stroke();
    }

    function end() {
      drawing = false;
    }

    if (window.PointerEvent) {
      canvas.addEventListener("pointerdown", function (event) {
        if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
        begin(event);
      });
      canvas.addEventListener("pointermove", move);
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointercancel", end);
    } else {
      canvas.addEventListener("mousedown", begin);
      canvas.addEventListener("mousemove", move);
      window.addEventListener("mouseup", end);
      canvas.addEventListener("touchstart", begin, { passive: false });
      canvas.addEventListener("touchmove", move, { passive: false });
      canvas.addEventListener("touchend", end);
    }

    var clear = form.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        context.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
      });
    }

    form.addEventListener("submit", function (event) {
      if (!drawn) {
        event.preventDefault();
        if (error) error.hidden = false;
        return;
      }
      form.elements.signature.value = canvas.toDataURL("image/png");
    });

    // The pad sits in a <details>; size it when it becomes visible.
    var details = form.closest("details");
    if (details) details.addEventListener("toggle", function () { if (details.open) resize(); });
    resize();
  }

  // "生成隐患" means the item failed: tick 不合格 so one tap saves the item and makes the hazard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-make-hazard]") : null;
    if (!button) return;
    var failed = button.form && button.form.querySelector("input[name=outcome][value=failed]");
    if (failed) failed.checked = true;
  });

  // Keep the progress count honest after an item is saved through htmx.
  // htmx:load fires on the swapped-in card (outerHTML swaps detach the old target).
  document.addEventListener("htmx:load", function () {
    var progress = document.querySelector("[data-progress]");
    if (!progress) return;
    var total = document.querySelectorAll(".walk-item").length;
    var done = document.querySelectorAll(".walk-item-ok, .walk-item-failed, .walk-item-not_applicable").length;
    progress.textContent = done + " / " + total;
  });

  document.querySelectorAll("form[data-check-in]").forEach(checkIn);
  document.querySelectorAll("form[data-sign]").forEach(signaturePad);
})();
