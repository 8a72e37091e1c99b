/* The sign-in page: read the key file here, sign the server's challenge, keep the key. */
(function () {
  "use strict";
  var form = document.getElementById("login");
  if (!form) return;
  var status = document.getElementById("login-status");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var file = document.getElementById("keyfile").files[0];
    if (!file) return;
    try {
      var entry = await Shuangsui.importKeyFile(await file.text());
      var response = await Shuangsui.signedFetch(entry, "POST", "/login", { challenge: form.dataset.challenge });
      var answer = await response.json();
      if (!response.ok) {
        status.textContent = form.dataset.msgRefused + " " + (answer.detail || response.status);
        status.className = "bad";
        return;
      }
      await Shuangsui.saveKey(entry);
      status.textContent = answer.holder;
      status.className = "ok";
      window.location.assign(form.dataset.next);
    } catch (error) {
      var message = error && error.message;
      status.textContent = message === "sealed" ? form.dataset.msgSealed
        : message === "not_key_file" ? form.dataset.msgBad
        : (error && error.name === "NotSupportedError") ? form.dataset.msgNocrypto
        : String(message || error);
      status.className = "bad";
    }
  });
})();
