/* geo_caisse member's space: my MonA, my statement, paying with a one-time code (shown big
   and as a QR code the service draws), and the places open now nearest to me. The code is
   kept in this page's memory only: never in a URL, the history or the browser's storage. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc;
  var EN = cfg.lang === "en";
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var T = EN ? {
    balance: "My MonA", allocated: function (m, v) { return "Allocation of " + m + ": " + v +
      " received"; }, notYet: function (m) { return "Allocation of " + m + ": not received yet"; },
    next: function (d) { return "Next allocation: " + d; },
    contribution: function (v) { return "My contribution this month: " + v; },
    noContribution: "No contribution recorded this month.",
    year: function (v) { return "This year: " + v; },
    more: "Show older operations",
    pay: "Pay", payHelp: "Show this code to the seller: they type or scan it. They see " +
      "neither your name nor your balance.", newCode: "New code",
    valid: function (m, s) { return "Valid for " + m + " min " + (s < 10 ? "0" : "") + s + " s"; },
    expired: "This code has expired: ask for a new one.", hide: "Hide the code",
    near: "Open now near me", locate: "Find my position", map: "Open the map",
    nearHelp: "Your position is used for this search only: it is neither kept nor sent " +
      "in an address.", none: "No place open now within reach.",
    noPosition: "Your position is not available: open the map and type an address.",
    history: "My operations", date: "Date", what: "Operation", amount: "MonA",
    after: "Balance", empty: "No operation yet.",
    allocation: function (m) { return "Allocation of " + m; },
    payment: "Payment", reversal: "Cancelled", other: "Movement", logout: "Log out",
    until: function (t) { return "open until " + t; }, walk: " on foot",
    kinds: {market: "market", producer: "producer", shop: "shop", epicerie: "grocery",
            cooperative: "cooperative supermarket", amap: "AMAP"},
    left: "You have left the caisse: no more payment codes.", loaded: "Your account"
  } : {
    balance: "Mes MonA", allocated: function (m, v) { return "Allocation de " + m + " : " + v +
      " reçues"; }, notYet: function (m) { return "Allocation de " + m + " : pas encore reçue"; },
    next: function (d) { return "Prochaine allocation : " + d; },
    contribution: function (v) { return "Ma cotisation ce mois-ci : " + v; },
    noContribution: "Aucune cotisation enregistrée ce mois-ci.",
    year: function (v) { return "Depuis janvier : " + v; },
    more: "Voir les opérations plus anciennes",
    pay: "Payer", payHelp: "Montrez ce code au vendeur : il le tape ou le scanne. Il ne voit " +
      "ni votre nom ni votre solde.", newCode: "Nouveau code",
    valid: function (m, s) { return "Valable encore " + m + " min " + (s < 10 ? "0" : "") + s +
      " s"; }, expired: "Ce code a expiré : demandez-en un nouveau.", hide: "Masquer le code",
    near: "Ouverts maintenant près de moi", locate: "Me localiser", map: "Ouvrir la carte",
    nearHelp: "Votre position ne sert qu'à cette recherche : elle n'est ni gardée ni mise " +
      "dans une adresse.", none: "Aucun lieu ouvert maintenant à proximité.",
    noPosition: "Votre position n'est pas disponible : ouvrez la carte et tapez une adresse.",
    history: "Mes opérations", date: "Date", what: "Opération", amount: "MonA",
    after: "Solde", empty: "Aucune opération pour l'instant.",
    allocation: function (m) { return "Allocation de " + m; },
    payment: "Paiement", reversal: "Annulation", other: "Mouvement", logout: "Se déconnecter",
    until: function (t) { return "ouvert jusqu'à " + t; }, walk: " à pied",
    kinds: {market: "marché", producer: "producteur", shop: "commerce", epicerie: "épicerie",
            cooperative: "supermarché coopératif", amap: "AMAP"},
    left: "Vous avez quitté la caisse : plus de code de paiement.", loaded: "Votre compte"
  };
  var s = C.session(cfg, status, start);
  var code = null, timer = null;
  var SHOWN = 20;  // the latest operations; the others one tap away

  function signed(v) {
    var n = Number(v);
    return (n > 0 ? "+" : n < 0 ? "−" : "") + C.mona(Math.abs(n)).replace(" MonA", "");
  }
  function label(l) {
    if (l.kind === "allocation") { return T.allocation(C.month(l.month)); }
    var place = l.place_name ? l.place_name + (l.market_name ? " (" + l.market_name + ")" :
      l.place_kind ? " (" + (T.kinds[l.place_kind] || l.place_kind) + ")" : "") : "";
    if (l.kind === "payment") { return T.payment + (place ? " — " + place : ""); }
    if (l.kind === "reversal") { return T.reversal + (place ? " — " + place : ""); }
    return T.other;
  }
  function show(a) {
    var month = C.month(a.month);
    var got = Number(a.allocated_this_month_mona) > 0;
    panel.innerHTML =
      '<section class="gc-card" aria-labelledby="gc-h-balance"><h2 id="gc-h-balance">' +
        T.balance + '</h2><p class="gc-big" id="gc-balance">' + esc(C.mona(a.balance_mona)) +
        "</p><p>" + esc(got ? T.allocated(month, C.mona(a.allocated_this_month_mona))
                            : T.notYet(month)) + "</p>" +
        "<p>" + esc(T.next(C.date(a.next_allocation_on))) + "</p><p>" +
        esc(a.contribution_this_month_eur != null ?
            T.contribution(C.euros(a.contribution_this_month_eur)) : T.noContribution) +
        (Number(a.contributions_this_year_eur) > 0 ? " " +
         esc(T.year(C.euros(a.contributions_this_year_eur))) : "") + "</p></section>" +
      '<section class="gc-card" aria-labelledby="gc-h-pay"><h2 id="gc-h-pay">' + T.pay +
        "</h2>" + (a.active ? '<button type="button" id="gc-pay" class="gc-primary gc-wide">' +
        T.pay + '</button><div id="gc-code-box" hidden></div>' : "<p>" + T.left + "</p>") +
      "</section>" +
      '<section class="gc-card" aria-labelledby="gc-h-near"><h2 id="gc-h-near">' + T.near +
        '</h2><div class="gc-actions"><button type="button" id="gc-locate">' + T.locate +
        '</button><a class="gc-button" href="/' + (EN ? "?lang=en" : "") + '">' + T.map +
        '</a></div><p class="gc-note">' + T.nearHelp + '</p><div id="gc-near"></div></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-history"><h2 id="gc-h-history">' +
        T.history + "</h2>" + (a.statement.length ? "<table><thead><tr><th>" + T.date +
        "</th><th>" + T.what + "</th><th class='num'>" + T.amount + "</th><th class='num'>" +
        T.after + "</th></tr></thead><tbody>" + a.statement.map(function (l, i) {
          return "<tr" + (i >= SHOWN ? " hidden" : "") + "><td>" + esc(C.short(l.occurred_at)) +
            "</td><td>" + esc(label(l)) +
            "</td><td class='num'>" + esc(signed(l.amount_mona)) + "</td><td class='num'>" +
            esc(C.mona(l.balance_after_mona).replace(" MonA", "")) + "</td></tr>";
        }).join("") + "</tbody></table>" + (a.statement.length > SHOWN ?
          '<p><button type="button" id="gc-more">' + T.more + "</button></p>" : "") :
        "<p>" + T.empty + "</p>") + "</section>" +
      '<p><button type="button" id="gc-logout">' + T.logout + "</button></p>";
    document.getElementById("gc-logout").addEventListener("click", function () {
      forget(); s.logout(); });
    var pay = document.getElementById("gc-pay");
    if (pay) { pay.addEventListener("click", newCode); }
    document.getElementById("gc-locate").addEventListener("click", nearest);
    var more = document.getElementById("gc-more");
    if (more) {
      more.addEventListener("click", function () {
        panel.querySelectorAll("tr[hidden]").forEach(function (r) { r.hidden = false; });
        more.parentNode.remove();
      });
    }
    status.textContent = T.loaded;
    document.body.setAttribute("data-gc-ready", "1");
  }

  // --- paying: a one-time code, in memory only ------------------------------------------
  function forget() {
    code = null;
    if (timer) { clearInterval(timer); timer = null; }
    var box = document.getElementById("gc-code-box");
    if (box) { box.innerHTML = ""; box.hidden = true; }
    var pay = document.getElementById("gc-pay");
    if (pay) { pay.hidden = false; }
  }
  function tick() {
    var box = document.getElementById("gc-code-box");
    var left = code ? Math.round((new Date(code.expires_at) - new Date()) / 1000) : 0;
    var shown = document.getElementById("gc-valid");
    if (!code || left <= 0) {
      if (timer) { clearInterval(timer); timer = null; }
      code = null;
      box.innerHTML = '<p class="gc-error" role="alert">' + T.expired + "</p>" +
        '<div class="gc-actions"><button type="button" class="gc-primary" id="gc-new">' +
        T.newCode + "</button></div>";
      document.getElementById("gc-new").addEventListener("click", newCode);
      return;
    }
    shown.textContent = T.valid(Math.floor(left / 60), left % 60);
  }
  function newCode() {
    var box = document.getElementById("gc-code-box");
    s.api("/me/payment-code", {method: "POST"}).then(function (c) {
      code = c;
      box.hidden = false;
      box.innerHTML = '<p class="gc-code" id="gc-code" aria-label="' + esc(c.display.split("")
        .join(" ")) + '">' + esc(c.display) + "</p>" + c.qr_svg +
        '<p id="gc-valid" class="gc-ok"></p><p class="gc-note">' + T.payHelp + "</p>" +
        '<div class="gc-actions"><button type="button" id="gc-new">' + T.newCode +
        '</button><button type="button" id="gc-hide">' + T.hide + "</button></div>";
      document.getElementById("gc-new").addEventListener("click", newCode);
      document.getElementById("gc-hide").addEventListener("click", forget);
      if (timer) { clearInterval(timer); }
      timer = setInterval(tick, 1000);
      tick();
      document.getElementById("gc-pay").hidden = true;
    }).catch(function (err) { status.textContent = err.message; });
  }
  // the code leaves the screen with the page (a phone put away, another tab)
  window.addEventListener("pagehide", forget);

  // --- the places open now nearest to me -------------------------------------------------
  function nearest() {
    var box = document.getElementById("gc-near");
    if (!navigator.geolocation) { box.textContent = T.noPosition; return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      C.post(cfg.api + "/places", {lon: Number(pos.coords.longitude.toFixed(6)),
                                   lat: Number(pos.coords.latitude.toFixed(6)),
                                   when: "now", max_walk_min: 30, n: 3}).then(function (r) {
        var list = r.places.length ? r.places : (r.beyond ? [r.beyond] : []);
        box.innerHTML = list.length ? "<ul class='gc-list'>" + list.map(function (p) {
          return '<li><a href="/?' + (EN ? "lang=en&" : "") + "lieu=" + esc(p.key) + '">' +
            esc(p.name) + "</a> — " + esc(C.minutes(Math.max(1, Math.round(p.walk_min)))) +
            T.walk + (p.status.until ? ", " + esc(T.until(C.clock(p.status.until))) : "") +
            "</li>"; }).join("") + "</ul>" : "<p>" + T.none + "</p>";
      }).catch(function (err) { box.textContent = err.message; });
    }, function () { box.textContent = T.noPosition; }, {timeout: 10000});
  }

  function start() {
    s.api("/me/account").then(show).catch(function (err) {
      status.textContent = err.message;
    });
  }
})();
