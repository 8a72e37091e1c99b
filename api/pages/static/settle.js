/* Settle a verdict: a review.settle command signed here with the signed-in key. */
(function () {
  "use strict";
  document.querySelectorAll("form.settle").forEach(function (form) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var status = form.querySelector(".status");
      var entry = await Shuangsui.loadKey();
      if (!entry) { document.getElementById("no-key").hidden = false; return; }
      var evidence = form.dataset.evidence ? form.dataset.evidence.split(",").map(Number) : [];
      var body = {
        subject: { kind: form.dataset.kind, id: form.dataset.subject },
        party: form.dataset.party,
        verdict: form.elements.verdict.value,
        reasoning: form.elements.reasoning.value,
        evidence: evidence
      };
      var response = await Shuangsui.signedFetch(entry, "POST", form.dataset.path, body);
      var answer = await response.json();
      if (response.ok) {
        status.textContent = "✓ " + answer.positions.join("–");
        status.className = "status ok";
        window.location.reload();
      } else {
        status.textContent = answer.detail || answer.title || response.status;
        status.className = "status bad";
      }
    });
  });
})();
