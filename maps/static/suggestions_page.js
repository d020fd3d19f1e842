/* geo_caisse coordinators' queue of suggestions from the member map: a correction of hours
   is accepted with the hours in OSM syntax (drafted from the member's words, to check); a new
   place is placed from its address or by a click on the map and enters as a candidate. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc;
  var map = window[cfg.map];
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var s = C.session(cfg, status, start);
  var KINDS = {producer: "producteur", shop: "commerce", epicerie: "épicerie",
               cooperative: "supermarché coopératif", amap: "AMAP"};
  var DAYS = [["lundi", "Mo"], ["mardi", "Tu"], ["mercredi", "We"], ["jeudi", "Th"],
              ["vendredi", "Fr"], ["samedi", "Sa"], ["dimanche", "Su"]];
  var pin = null, placing = null;

  /* a first draft of OSM hours from words: "mardi et samedi 7 h 30 - 13 h 30" */
  function draft(text) {
    var t = (text || "").toLowerCase();
    var days = DAYS.filter(function (d) { return t.indexOf(d[0]) >= 0; }).map(function (d) {
      return d[1]; });
    var times = [];
    var re = /(\d{1,2})\s*(?:h|:)\s*(\d{2})?\s*(?:-|–|à)\s*(\d{1,2})\s*(?:h|:)\s*(\d{2})?/g, m;
    while ((m = re.exec(t)) !== null) {
      var pad = function (h, mm) { return ("0" + h).slice(-2) + ":" + (mm || "00"); };
      times.push(pad(m[1], m[2]) + "-" + pad(m[3], m[4]));
    }
    return days.length && times.length ? days.join(",") + " " + times.join(",") : "";
  }
  function when(iso) {
    return new Date(iso).toLocaleString("fr-FR", {dateStyle: "long", timeStyle: "short"});
  }
  function card(x) {
    var kind = x.kind === "hours" ? "Correction des horaires" : "Nouveau lieu";
    return '<article class="gc-card" data-id="' + x.id + '"><h3>' + esc(kind) + " — " +
      esc(x.kind === "hours" ? x.place_name : x.name) + "</h3><dl>" +
      (x.kind === "new_place" ? "<dt>Type</dt><dd>" + esc(KINDS[x.place_kind] || x.place_kind) +
        "</dd><dt>Adresse</dt><dd>" + esc(x.address || "non donnée") + "</dd>" : "") +
      "<dt>Horaires proposés</dt><dd>" + esc(x.hours || "non donnés") + "</dd>" +
      (x.comment ? "<dt>Précisions</dt><dd>" + esc(x.comment) + "</dd>" : "") +
      "<dt>Reçue le</dt><dd>" + esc(when(x.created_at)) + "</dd></dl>" +
      '<label for="gc-h-' + x.id + '">Horaires au format OSM</label>' +
      '<input id="gc-h-' + x.id + '" value="' + esc(draft(x.hours)) + '" placeholder="Tu,Sa 07:30-13:30">' +
      (x.kind === "new_place" ? '<p class="gc-note" id="gc-where-' + x.id + '">Position : ' +
        "cherchez l'adresse ou touchez la carte.</p>" +
        '<button type="button" data-act="locate">Placer depuis l\'adresse</button>' +
        '<button type="button" data-act="click">Placer sur la carte</button>' : "") +
      '<label for="gc-n-' + x.id + '">Note (facultatif)</label><input id="gc-n-' + x.id + '">' +
      '<button type="button" class="gc-primary" data-act="accept">Accepter</button>' +
      '<button type="button" data-act="refuse">Refuser</button>' +
      '<p class="gc-error" role="alert" id="gc-e-' + x.id + '"></p></article>';
  }
  var where = {};
  function place(id, lat, lon) {
    where[id] = {lat: lat, lon: lon};
    if (pin) { map.removeLayer(pin); }
    pin = L.marker([lat, lon], {title: "Nouveau lieu"}).addTo(map);
    map.setView([lat, lon], 17);
    document.getElementById("gc-where-" + id).textContent = "Position : " +
      lat.toLocaleString("fr-FR", {maximumFractionDigits: 5}) + " ; " +
      lon.toLocaleString("fr-FR", {maximumFractionDigits: 5}) + " (à vérifier sur la carte).";
  }
  map.on("click", function (e) {
    if (placing != null) { place(placing, e.latlng.lat, e.latlng.lng); placing = null; }
  });
  function act(id, what, x) {
    var err = document.getElementById("gc-e-" + id);
    var note = document.getElementById("gc-n-" + id).value.trim() || null;
    if (what === "locate") {
      return C.post(cfg.api + "/search", {q: x.address || x.name, n: 1}).then(function (hits) {
        if (!hits.length) { err.textContent = "Adresse introuvable : placez le lieu sur la carte."; return; }
        place(id, hits[0].lat, hits[0].lon);
      });
    }
    if (what === "click") { placing = id; status.textContent = "Touchez la carte à l'endroit du lieu."; return; }
    if (what === "refuse") {
      return s.api("/suggestions/" + id + "/refuse", {method: "POST",
        headers: {"Content-Type": "application/json"}, body: JSON.stringify({note: note})})
        .then(load).then(function () { status.textContent = "Proposition refusée."; })
        .catch(function (e) { err.textContent = e.message; });
    }
    var body = {opening_hours: document.getElementById("gc-h-" + id).value.trim() || null,
                note: note};
    if (x.kind === "new_place") {
      if (!where[id]) { err.textContent = "Placez d'abord le lieu (adresse ou carte)."; return; }
      body.lon = where[id].lon; body.lat = where[id].lat;
    }
    return s.api("/suggestions/" + id + "/accept", {method: "POST",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(load).then(function () {
        status.textContent = x.kind === "hours" ? "Horaires mis à jour sur la carte."
          : "Lieu ajouté comme candidat au conventionnement.";
      }).catch(function (e) { err.textContent = e.message; });
  }
  function load() {
    return s.api("/suggestions?status=pending").then(function (list) {
      var box = document.getElementById("gc-queue");
      box.innerHTML = list.length ? list.map(card).join("") :
        "<p>Aucune proposition en attente.</p>";
      list.forEach(function (x) {
        box.querySelectorAll('[data-id="' + x.id + '"] button').forEach(function (b) {
          b.addEventListener("click", function () { act(x.id, b.getAttribute("data-act"), x); });
        });
      });
      status.textContent = C.num(list.length) + (list.length > 1 ? " propositions" :
                                                  " proposition") + " en attente";
      document.body.setAttribute("data-gc-ready", "1");
    }).catch(function (e) { status.textContent = e.message; });
  }
  function start() {
    panel.innerHTML = "<button id='gc-logout' type='button'>Se déconnecter</button>" +
      "<p class='gc-note'>Rien n'apparaît sur la carte des membres avant d'être accepté ici. " +
      "Les propositions ne contiennent ni le nom ni l'adresse de qui les a faites.</p>" +
      "<div id='gc-queue'></div>";
    document.getElementById("gc-logout").addEventListener("click", s.logout);
    load();
  }
  map.fitBounds(cfg.bounds);
})();
