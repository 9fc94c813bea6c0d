/* Buttons on the page that open the chat (the widget's public API: window.ClinicChat). */
document.addEventListener("click", function (ev) {
  var t = ev.target.closest ? ev.target.closest("[data-open-chat]") : null;
  if (t && window.ClinicChat) { ev.preventDefault(); window.ClinicChat.open(); }
});
