(function () {
  var box = document.getElementById("progress");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      document.getElementById("phase-label").textContent = s.phase_label;
      document.getElementById("phase-pct").textContent = s.progress + "%";
      document.getElementById("progress-bar").value = s.progress;
      if (s.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
    }).catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
