/* geo_caisse: a held draw's public page (no login): when, how many seats, the quotas and
   each category's chance of being drawn, the volunteer list's fingerprint, the seed, the
   references drawn, the observers' list to download, and "Vérifier": the server re-runs
   the draw from that list and seed and the page says whether it gives the same people. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc;
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var id = Number(location.pathname.split("/").pop());
  var METHODS = {stratified: "au hasard dans chaque catégorie, autant de places que sa part " +
                 "de la population",
                 maximin: "une loterie qui respecte tous les quotas en donnant à chacun la " +
                 "plus grande chance possible (méthode « maximin »)"};
  var FEATURES = {channel: "voie d'inscription", neighbourhood_code: "quartier",
                  income_quartile: "quart de revenus", age_band: "âge"};
  var CHANNELS = {open_call: "appel à volontaires", referral: "orientation sociale",
                  committee: "proposition du comité"};
  function places(q) {
    var lo = q[0], hi = q[1];
    return lo === hi ? C.num(lo) : C.num(lo) + " à " + C.num(hi);
  }
  function value(feature, v) {
    if (feature === "channel") { return CHANNELS[v] || v; }
    return v;
  }
  function problem(p) {
    var m = /SHA-256 is (\w+)/.exec(p);
    if (m) {
      return "La liste des volontaires conservée ne correspond plus à l'empreinte publiée " +
        "(empreinte recalculée : " + m[1] + ").";
    }
    m = /(\d+) drawn but not published, (\d+) published but not drawn/.exec(p);
    if (m) {
      return "Refait, le tirage donne d'autres personnes : " + C.num(Number(m[1])) +
        " tirées mais absentes du résultat publié, " + C.num(Number(m[2])) +
        " publiées mais pas tirées.";
    }
    return "Le tirage refait ne donne pas le résultat publié.";
  }
  function show(d, seedText) {
    var strata = (d.quotas && d.quotas.stratum) || {};
    var others = Object.keys(d.quotas || {}).filter(function (f) { return f !== "stratum"; });
    var unfilled = d.shortfall && d.shortfall.seats ? d.shortfall.seats.unfilled : 0;
    var codes = Object.keys(strata).concat(Object.keys(d.stratum_probability).filter(
      function (c) { return !(c in strata); }));
    panel.innerHTML =
      '<section class="gc-card" aria-labelledby="gc-h-draw"><h2 id="gc-h-draw">Tirage n° ' +
        d.id + "</h2><ul><li>Tenu le " + esc(C.when(d.held_at)) + "</li><li>" +
        C.num(d.seats) + (d.seats > 1 ? " places" : " place") + ", " + C.num(d.selected.length) +
        (d.selected.length > 1 ? " personnes tirées" : " personne tirée") + " parmi " +
        C.num(d.volunteers) + " volontaires</li>" + (unfilled ? "<li>" + C.num(unfilled) +
        (unfilled > 1 ? " places sont restées vides" : " place est restée vide") +
        " faute de volontaires</li>" : "") + "<li>Méthode : " + esc(METHODS[d.method] ||
        d.method) + "</li></ul></section>" +
      '<section class="gc-card" aria-labelledby="gc-h-quotas"><h2 id="gc-h-quotas">' +
        "Quotas et chances d'être tiré</h2><table id='gc-quotas' tabindex='0'><thead><tr><th scope='col'>" +
        "Catégorie</th><th scope='col'>Places</th><th scope='col'>Chance d'être tiré</th>" +
        "</tr></thead><tbody>" + codes.map(function (c) {
          var p = d.stratum_probability[c];
          return "<tr><th scope='row'>" + esc(C.stratum(c)) + "</th><td>" + (strata[c] ?
            places(strata[c]) : "—") + "</td><td>" + (p == null ? "aucun volontaire" :
            esc(C.pct(p, 1))) + "</td></tr>"; }).join("") + "</tbody></table>" +
        (others.length ? "<ul>" + others.map(function (f) {
          return Object.keys(d.quotas[f]).map(function (v) {
            return "<li>" + esc(FEATURES[f] || f) + " « " + esc(value(f, v)) + " » : " +
              places(d.quotas[f][v]) + " places</li>"; }).join(""); }).join("") + "</ul>" : "") +
        '<p class="gc-note">La chance d\'être tiré est celle de chaque volontaire de la ' +
        "catégorie : ses places divisées par ses volontaires.</p></section>" +
      '<section class="gc-card" aria-labelledby="gc-h-check"><h2 id="gc-h-check">' +
        "Ce qu'il faut pour vérifier</h2><dl><dt>Graine du tirage</dt><dd id='gc-seed'>" +
        esc(seedText) + "</dd><dt>Empreinte (SHA-256) de la liste des volontaires</dt>" +
        "<dd><code id='gc-hash' class='gc-hash'>" + esc(d.list_sha256) + "</code></dd></dl>" +
        '<p><a class="gc-button" id="gc-csv" href="' + cfg.api + "/draws/" + d.id +
        '/volunteers.csv" download="tirage-' + d.id + '-volontaires.csv">Télécharger la liste ' +
        "des volontaires (CSV)</a></p><p class='gc-note'>La liste ne contient ni nom ni " +
        "adresse : une référence tirée au hasard par volontaire et sa catégorie. Avec elle et " +
        "la graine, n'importe qui peut refaire le tirage avec le logiciel libre geo_caisse " +
        "(commande « geo-caisse draw verify ») et retrouver les mêmes personnes.</p>" +
        '<p><button type="button" class="gc-primary" id="gc-verify">Vérifier</button></p>' +
        '<div id="gc-verdict" aria-live="polite"></div></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-selected"><h2 id="gc-h-selected">' +
        "Références des personnes tirées (" + C.num(d.selected.length) + ")</h2>" +
        "<p class='gc-note'>Chaque volontaire a reçu sa référence en s'inscrivant.</p>" +
        "<ul class='gc-refs' id='gc-selected'>" + d.selected.map(function (r) {
          return "<li>" + esc(r) + "</li>"; }).join("") + "</ul></section>";
    document.getElementById("gc-verify").addEventListener("click", verify);
    status.textContent = "Tirage n° " + d.id + " du " + C.when(d.held_at);
    document.body.setAttribute("data-gc-ready", "1");
  }
  function verify() {
    var box = document.getElementById("gc-verdict");
    box.textContent = "Vérification en cours : le serveur refait le tirage…";
    C.json(cfg.api + "/draws/" + id + "/verify").then(function (v) {
      box.innerHTML = v.ok ? "<p class='gc-ok' id='gc-verified'>Vérifié : refait à " +
        "l'instant avec la liste publiée et la même graine, le tirage donne exactement les " +
        "mêmes personnes, et la liste a toujours la même empreinte.</p>" :
        "<p class='gc-error' id='gc-verified'>Le tirage ne correspond pas :</p><ul>" +
        v.problems.map(function (p) { return "<li>" + esc(problem(p)) + "</li>"; }).join("") +
        "</ul>";
    }).catch(function (err) { box.textContent = err.message; });
  }
  // the raw answer: a seed may exceed what a JavaScript number holds exactly (2^53)
  fetch(cfg.api + "/draws/" + id).then(function (r) {
    return r.text().then(function (text) {
      var body = JSON.parse(text);
      if (!r.ok) { throw body; }
      var m = /"seed"\s*:\s*(\d+)/.exec(text);
      show(body, m ? m[1] : String(body.seed));
    });
  }).catch(function (body) {
    status.textContent = C.message(body && body.error ? body : {error: "network"});
    document.body.setAttribute("data-gc-ready", "1");
  });
})();
