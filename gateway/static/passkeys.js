// Passkeys: registration on the security page, login on the login and second-step pages.
// The server's options arrive as JSON with base64url fields; WebAuthn wants ArrayBuffers.
(function () {
  "use strict";
  function b64(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64(value) {
    var text = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.buffer;
  }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify(body || {})}).then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) throw new Error(data.error_description || data.error || r.statusText);
          return data;
        });
      });
  }
  function showError(error) {
    var box = document.getElementById("passkey-error");
    if (box) { box.hidden = false; box.textContent = error.message || String(error); }
  }
  function credentialJSON(cred) {
    var r = cred.response, out = {id: cred.id, rawId: b64(cred.rawId), type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults(), response: {
        clientDataJSON: b64(r.clientDataJSON)}};
    if (r.attestationObject) {
      out.response.attestationObject = b64(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = b64(r.authenticatorData);
      out.response.signature = b64(r.signature);
      out.response.userHandle = r.userHandle ? b64(r.userHandle) : null;
    }
    return out;
  }
  var register = document.getElementById("passkey-register");
  if (register) register.addEventListener("click", function () {
    post(register.dataset.options).then(function (o) {
      o.challenge = unb64(o.challenge);
      o.user.id = unb64(o.user.id);
      (o.excludeCredentials || []).forEach(function (c) { c.id = unb64(c.id); });
      return navigator.credentials.create({publicKey: o});
    }).then(function (cred) {
      var name = document.getElementById("new-passkey-name").value;
      return post(register.dataset.register, {credential: credentialJSON(cred), name: name});
    }).then(function (data) {
      if (data.recovery_codes) {
        var box = document.getElementById("passkey-codes"), list = box.querySelector("ul");
        data.recovery_codes.forEach(function (code) {
          var li = document.createElement("li"); li.textContent = code; list.appendChild(li);
        });
        box.hidden = false;
      } else {
        window.location.reload();
      }
    }).catch(showError);
  });
  function login(button) {
    post(button.dataset.options).then(function (o) {
      o.challenge = unb64(o.challenge);
      (o.allowCredentials || []).forEach(function (c) { c.id = unb64(c.id); });
      return navigator.credentials.get({publicKey: o});
    }).then(function (cred) {
      return post(button.dataset.verify, {credential: credentialJSON(cred)});
    }).then(function (data) { window.location.assign(data.redirect); }).catch(showError);
  }
  ["passkey-login", "passkey-verify"].forEach(function (id) {
    var button = document.getElementById(id);
    if (button) button.addEventListener("click", function () { login(button); });
  });
})();
