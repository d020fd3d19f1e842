/* geo_caisse welcome page: the code of an invitation letter (typed, or from the letter's QR
   code, which opens this page with the code in the link's fragment: never sent to the
   server, and removed from the history here), then the login and password to choose. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc;
  var EN = cfg.lang === "en";
  var T = EN ? {
    member: "Your member account", vendor: "Your till account",
    reset: function (u) { return "A new password for “" + u + "”"; },
    login: "Choose a login", loginHint: "Letters, digits, '.', '-', '_' or '@': you will type " +
      "it to log in.", password: "Choose a password", again: "The password again",
    rule: "At least 10 characters, not a common password, not your login.",
    mismatch: "The two passwords differ.", go: "Make my account", goReset: "Save my password",
    checking: "Checking the code…", done: "Done: you are logged in."
  } : {
    member: "Votre compte de membre", vendor: "Votre compte pour encaisser",
    reset: function (u) { return "Un nouveau mot de passe pour « " + u + " »"; },
    login: "Choisissez un identifiant", loginHint: "Lettres, chiffres, « . », « - », « _ » " +
      "ou « @ » : vous le taperez pour vous connecter.", password: "Choisissez un mot de passe",
    again: "Le mot de passe, une seconde fois",
    rule: "Au moins 10 caractères, pas un mot de passe courant, pas votre identifiant.",
    mismatch: "Les deux mots de passe diffèrent.", go: "Créer mon compte",
    goReset: "Enregistrer mon mot de passe", checking: "Vérification du code…",
    done: "C'est fait : vous êtes connecté."
  };
  var status = document.getElementById("gc-status");
  var codeInput = document.getElementById("gc-code");
  var codeError = document.getElementById("gc-code-error");
  var step = document.getElementById("gc-step-login");
  var code = null;

  // a code from the letter's QR code: read it, then take it out of the address and history
  var m = /(?:^#|&)code=([0-9A-Za-z-]{1,20})/.exec(location.hash);
  if (m) {
    codeInput.value = m[1].toUpperCase();
    history.replaceState(null, "", location.pathname + location.search);
  }
  document.getElementById("gc-code-form").addEventListener("submit", function (e) {
    e.preventDefault();
    check(codeInput.value);
  });

  function check(value) {
    codeError.textContent = "";
    status.textContent = T.checking;
    C.post(cfg.api + "/welcome/check", {code: value}).then(function (opened) {
      code = value;
      status.textContent = "";
      ask(opened);
    }).catch(function (err) {
      status.textContent = "";
      codeError.textContent = err.message;
    });
  }
  function ask(opened) {
    var reset = opened.purpose === "reset";
    step.hidden = false;
    step.innerHTML = "<h2>" + esc(reset ? T.reset(opened.username) :
                                  opened.purpose === "vendor" ? T.vendor : T.member) + "</h2>" +
      '<form id="gc-make" novalidate>' +
      (reset ? "" : '<div class="gc-field"><label for="gc-new-user">' + T.login + "</label>" +
        '<input id="gc-new-user" autocomplete="username" maxlength="80" ' +
        'aria-describedby="gc-user-hint" spellcheck="false" autocapitalize="none">' +
        '<p id="gc-user-hint" class="gc-note">' + T.loginHint + "</p></div>") +
      '<div class="gc-field"><label for="gc-new-pass">' + T.password + "</label>" +
      '<input id="gc-new-pass" type="password" autocomplete="new-password" maxlength="200" ' +
      'aria-describedby="gc-pass-hint"><p id="gc-pass-hint" class="gc-note">' + T.rule +
      '</p></div><div class="gc-field"><label for="gc-new-pass2">' + T.again + "</label>" +
      '<input id="gc-new-pass2" type="password" autocomplete="new-password" maxlength="200">' +
      '</div><p id="gc-make-error" class="gc-error" role="alert"></p>' +
      '<button type="submit" class="gc-primary gc-wide">' + (reset ? T.goReset : T.go) +
      "</button></form>";
    document.getElementById("gc-step-code").hidden = true;
    var first = document.getElementById(reset ? "gc-new-pass" : "gc-new-user");
    first.focus();
    document.getElementById("gc-make").addEventListener("submit", function (e) {
      e.preventDefault();
      var shown = document.getElementById("gc-make-error");
      var pass = document.getElementById("gc-new-pass").value;
      if (pass !== document.getElementById("gc-new-pass2").value) {
        shown.textContent = T.mismatch; return;
      }
      var body = {code: code, password: pass};
      if (!reset) { body.username = document.getElementById("gc-new-user").value.trim(); }
      C.post(cfg.api + "/welcome", body).then(function (tok) {
        sessionStorage.setItem("gc-token", tok.access_token);
        status.textContent = T.done;
        var next = tok.role === "member" ? "/moi" : tok.role === "producer" ? "/encaisser"
                                                                              : "/coordination";
        location.assign(next + (EN && tok.role === "member" ? "?lang=en" : ""));
      }).catch(function (err) { shown.textContent = err.message; });
    });
  }
  document.body.setAttribute("data-gc-ready", "1");
})();
