/* The workbench: open a trail or a review by subject; forget the key on sign-out. */
(function () {
  "use strict";
  var form = document.getElementById("subject-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var which = event.submitter && event.submitter.value === "review" ? "reviews" : "trails";
      var kind = document.getElementById("subject-kind").value;
      var subject = document.getElementById("subject-id").value.trim();
      if (subject) window.location.assign("/" + which + "/" + kind + "/" + encodeURIComponent(subject));
    });
  }
  var logout = document.getElementById("logout");
  if (logout) logout.addEventListener("submit", function () { Shuangsui.forgetKey(); });
})();
