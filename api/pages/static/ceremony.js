/* The draw ceremony page (R7.5): poll the draw's state and update in place; the lead
   enters the dice here, signed with the lead's key held in this browser. */
(function () {
  "use strict";
  var root = document.getElementById("ceremony");
  if (!root) return;
  var waiting = root.dataset.waiting;
  var last = "";

  function set(element, text) {
    if (element && element.textContent !== text) {
      element.textContent = text;
      element.classList.add("fresh");
    }
  }

  function render(state) {
    set(root.querySelector('[data-k="commitment_hash"]'), state.commitment_hash);
    state.witnesses.forEach(function (w) {
      var row = root.querySelector('tr[data-witness="' + w.key_id + '"]');
      if (!row) return;
      set(row.querySelector('[data-k="commitment"]'), w.commitment || waiting);
      set(row.querySelector('[data-k="value"]'), w.value || waiting);
    });
    if (state.dice) set(root.querySelector('[data-k="dice"]'), state.dice);
    document.getElementById("dice-section").hidden = !state.dice_expected || !!state.dice;
    set(root.querySelector('[data-k="seed"]'), state.seed || root.dataset.notDrawn);
    var list = document.getElementById("drawn");
    if (list.children.length !== state.drawn.length) {
      list.textContent = "";
      state.drawn.forEach(function (a) {
        var item = document.createElement("li");
        item.value = a.order;
        var anchor = document.createElement("a");
        anchor.href = "/objects/" + encodeURIComponent(a.object);
        anchor.textContent = a.name || a.object;
        var code = document.createElement("span");
        code.className = "code";
        code.textContent = " " + a.object;
        item.appendChild(anchor);
        item.appendChild(code);
        list.appendChild(item);
      });
    }
  }

  async function poll() {
    try {
      var response = await fetch(root.dataset.state, { cache: "no-store" });
      if (response.ok) {
        var text = await response.text();
        if (text !== last) {
          last = text;
          render(JSON.parse(text));
        }
        document.getElementById("updated").textContent = new Date().toLocaleTimeString();
      }
    } catch (e) { /* the next poll tries again */ }
  }

  var form = document.getElementById("dice-form");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var status = document.getElementById("dice-status");
    var entry = await Shuangsui.loadKey();
    if (!entry) {
      window.location.assign(form.dataset.login);
      return;
    }
    var response = await Shuangsui.signedFetch(entry, "POST", form.dataset.path,
      { digits: form.elements.digits.value.trim() });
    var answer = await response.json();
    status.textContent = response.ok ? "✓ " + answer.positions.join("–") : (answer.detail || answer.title);
    status.className = response.ok ? "ok" : "bad";
    poll();
  });

  setInterval(poll, 2000);
})();
