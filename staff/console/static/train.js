// The training page's only script: while a training runs or a model is being published, ask the console
// for the status every few seconds and update the progress bar and the status lines (read out politely
// by screen readers through their role="status"). Without JavaScript the page shows the status at load.
(function () {
  "use strict";
  var section = document.getElementById("training");
  if (!section) { return; }
  var bar = document.getElementById("train-progress");
  var text = document.getElementById("train-text");
  var published = document.getElementById("publish-text");
  var wasBusy = null;

  function say(s) {
    if (s.state === "running") {
      return "Training (started by " + s.who + "): " + s.percent + "% after " + s.elapsed +
        ", about " + s.left + " left. Now " + s.step + ".";
    }
    if (s.state === "done") { return "The last training worked (it took " + s.took + "). Publish it below."; }
    if (s.state === "failed") { return "The last training failed after " + s.took + ". Reload the page to see the end of its log."; }
    return "No training is running.";
  }

  function poll() {
    fetch("/train/status.json", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        var busy = s.state === "running" || s.publishing;
        bar.value = s.percent || 0;
        bar.textContent = (s.percent || 0) + "%";
        var line = say(s);
        if (text.textContent.trim() !== line) { text.textContent = line; }
        var pub = s.publishing ? "Publishing the newest model…" : (s.published || published.textContent);
        if (published.textContent.trim() !== pub) { published.textContent = pub; }
        if (wasBusy && !busy) { window.location.reload(); return; }
        wasBusy = busy;
        if (busy) { window.setTimeout(poll, 3000); }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }

  if (section.dataset.state === "running" || document.querySelector("#publish-text").textContent.indexOf("Publishing") === 0) {
    wasBusy = true;
    window.setTimeout(poll, 2000);
  }
})();
