// Tells the console the browser's time zone at sign-in, so that times show in it. Without
// scripts, the account's own time zone is used instead.
(function () {
  var field = document.getElementById("timezone");
  if (field && window.Intl) {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  }
})();
