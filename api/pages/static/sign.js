/* Signing in the browser (issue 13, clause 4): the actor's key file is read here, never
   sent; its seed becomes a non-extractable WebCrypto Ed25519 key kept in this browser's
   IndexedDB. Every write is an RFC 9421 signed request to the same /api/v1 route the CLI
   uses (tag shuangsui-api-v1, "@method" "@path" "content-digest", created, keyid, nonce),
   so it is stored as the same evidence. The session cookie never signs anything. */
(function () {
  "use strict";
  var TAG = "shuangsui-api-v1";
  var PKCS8 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
               0x04, 0x22, 0x04, 0x20];

  function b64(bytes) {
    var text = "";
    new Uint8Array(bytes).forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text);
  }

  function unb64(text) {
    return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
  }

  function hex(n) {
    return Array.from(crypto.getRandomValues(new Uint8Array(n)), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  /* A key file's JSON -> {keyId, label, key}; refuses a sealed file (use the CLI). */
  async function importKeyFile(text) {
    var doc;
    try { doc = JSON.parse(text); } catch (e) { throw new Error("not_key_file"); }
    if (doc.format !== "shuangsui-ed25519-key-v1") throw new Error("not_key_file");
    if (doc.sealed) throw new Error("sealed");
    var seed = unb64(doc.seed);
    if (seed.length !== 32) throw new Error("not_key_file");
    var pkcs8 = new Uint8Array(48);
    pkcs8.set(PKCS8, 0);
    pkcs8.set(seed, 16);
    var key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    seed.fill(0);
    pkcs8.fill(0);
    return { keyId: doc.key_id, label: doc.label || "", key: key };
  }

  function db() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("shuangsui", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("keys"); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }

  async function store(mode, action) {
    var conn = await db();
    return new Promise(function (resolve, reject) {
      var tx = conn.transaction("keys", mode);
      var request = action(tx.objectStore("keys"));
      tx.oncomplete = function () { resolve(request.result); };
      tx.onerror = function () { reject(tx.error); };
    });
  }

  function saveKey(entry) { return store("readwrite", function (s) { return s.put(entry, "current"); }); }
  function loadKey() { return store("readonly", function (s) { return s.get("current"); }); }
  function forgetKey() { return store("readwrite", function (s) { return s.delete("current"); }); }

  /* Send a signed request: writes cover the body's digest, reads the query. */
  async function signedFetch(entry, method, url, body) {
    var target = new URL(url, window.location.href);
    var write = method !== "GET" && method !== "HEAD";
    var data = write ? new TextEncoder().encode(JSON.stringify(body === undefined ? {} : body)) : null;
    var components = write ? ['"@method"', '"@path"', '"content-digest"'] : ['"@method"', '"@path"', '"@query"'];
    var params = "(" + components.join(" ") + ");created=" + Math.floor(Date.now() / 1000) +
      ';keyid="' + entry.keyId + '";alg="ed25519";nonce="' + hex(16) + '";tag="' + TAG + '"';
    var headers = {};
    var lines = ['"@method": ' + method, '"@path": ' + target.pathname];
    if (write) {
      var digest = "sha-256=:" + b64(await crypto.subtle.digest("SHA-256", data)) + ":";
      headers["Content-Type"] = "application/json";
      headers["Content-Digest"] = digest;
      lines.push('"content-digest": ' + digest);
    } else {
      lines.push('"@query": ' + (target.search || "?"));
    }
    lines.push('"@signature-params": ' + params);
    var base = new TextEncoder().encode(lines.join("\n"));
    var signature = await crypto.subtle.sign({ name: "Ed25519" }, entry.key, base);
    headers["Signature-Input"] = "sig=" + params;
    headers["Signature"] = "sig=:" + b64(signature) + ":";
    return fetch(target.pathname + target.search, {
      method: method, headers: headers, body: data, credentials: "same-origin"
    });
  }

  window.Shuangsui = {
    importKeyFile: importKeyFile, saveKey: saveKey, loadKey: loadKey, forgetKey: forgetKey,
    signedFetch: signedFetch
  };
})();
