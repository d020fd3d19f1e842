/* geo_caisse conventionnement page (the committee and the coordinators): the candidates on
   the map coloured by the stage of their dossier; a dossier's grid of criteria, what
   conventioning it would change, its documents, the meeting and the committee's decision. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc, num = C.num;
  var map = window[cfg.map];
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var s = C.session(cfg, status, start);
  var STAGES = {
    a_instruire: {label: "À instruire", colour: "#a16207"},
    en_examen: {label: "En examen", colour: "#1d4ed8"},
    conventionne: {label: "Conventionné", colour: "#15803d"},
    refuse: {label: "Refusé", colour: "#b91c1c"},
    suspendu: {label: "Suspendu", colour: "#6b21a8"}
  };
  var STATES = {met: "Rempli", not_met: "Non rempli", unknown: "Inconnu"};
  var STATUSES = {candidate: "candidat", conventionne: "conventionné", suspended: "suspendu"};
  var KINDS = {producer: "producteur", shop: "commerce", epicerie: "épicerie",
               cooperative: "supermarché coopératif", amap: "AMAP",
               market_stall: "étal de marché"};
  var DECISIONS = {conventionne: "Conventionner", refuse: "Refuser", suspendu: "Suspendre"};
  var data = null, dots = null, filter = "", current = null;

  function el(id) { return document.getElementById(id); }
  function put(path, body, method) {
    return s.api(path, {method: method || "PUT", body: JSON.stringify(body),
                        headers: {"Content-Type": "application/json"}});
  }
  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" +
      ("0" + d.getDate()).slice(-2);
  }

  // --- the overview: the map and the list ------------------------------------------------
  function draw() {
    if (dots) { map.removeLayer(dots); }
    dots = L.layerGroup();
    data.dossiers.forEach(function (d) {
      if (filter && d.stage !== filter) { return; }
      var p = d.point_of_sale, st = STAGES[d.stage];
      L.circleMarker([p.lat, p.lon], {radius: 9, color: "#fff", weight: 2,
                                      fillColor: st.colour, fillOpacity: 0.95})
        .bindTooltip(esc(p.name) + " — " + st.label)
        .on("click", function () { openDossier(d.id); }).addTo(dots);
    });
    dots.addTo(map);
  }
  function legend() {
    return '<div class="gc-legend" aria-hidden="true">' + Object.keys(STAGES).map(function (k) {
      return '<p><i class="gc-dot" style="background:' + STAGES[k].colour + '"></i>' +
        STAGES[k].label + "</p>"; }).join("") + "</div>";
  }
  function list() {
    var shown = data.dossiers.filter(function (d) { return !filter || d.stage === filter; });
    return shown.length ? "<ul class='gc-dossiers'>" + shown.map(function (d) {
      var p = d.point_of_sale;
      return '<li><button type="button" class="gc-link" data-dossier="' + d.id + '">' +
        '<span class="gc-stage" style="background:' + STAGES[d.stage].colour + '"></span>' +
        esc(p.name) + "</button><small> " + esc(STAGES[d.stage].label) +
        (d.meeting_on ? " · comité du " + esc(C.date(d.meeting_on)) : "") + " · " +
        num(d.criteria.met) + " rempli" + (d.criteria.met > 1 ? "s" : "") + " sur " +
        num(d.criteria_total) + "</small></li>";
    }).join("") + "</ul>" : "<p>Aucun dossier " + (filter ? "à ce stade" : "ouvert") +
      " pour l'instant.</p>";
  }
  function overview() {
    current = null;
    panel.innerHTML =
      (data.criteria_illustrative ? '<p class="gc-note gc-warn">Critères indicatifs : les ' +
        "familles de critères citées publiquement (qualité, prix, déchets, accessibilité, " +
        "gouvernance, exclusions). Le comité les remplace par sa propre grille dans " +
        "territory.toml.</p>" : "") +
      '<h2 id="gc-h-dossiers">Dossiers (' + num(data.dossiers.length) + ")</h2>" +
      '<label for="gc-stage">Montrer</label><select id="gc-stage"><option value="">' +
      "tous les dossiers</option>" + Object.keys(STAGES).map(function (k) {
        return '<option value="' + k + '"' + (k === filter ? " selected" : "") + ">" +
          STAGES[k].label.toLowerCase() + "</option>"; }).join("") + "</select>" +
      legend() + '<div id="gc-list">' + list() + "</div>" +
      '<h2 id="gc-h-candidates">Candidats sans dossier (' + num(data.candidates.length) +
      ")</h2>" + (data.candidates.length ?
        '<label for="gc-candidate">Point de vente</label><select id="gc-candidate">' +
        data.candidates.map(function (c) {
          return '<option value="' + c.id + '">' + esc(c.name) + " (" +
            esc(KINDS[c.kind] || c.kind) + ")</option>"; }).join("") + "</select>" +
        '<label for="gc-proposed">Proposé par (facultatif)</label>' +
        '<input id="gc-proposed" placeholder="par exemple : le magasin lui-même">' +
        '<button type="button" id="gc-open" class="gc-primary">Ouvrir un dossier</button>' +
        '<p class="gc-error" role="alert" id="gc-open-error"></p>'
        : "<p>Chaque candidat a son dossier.</p>") +
      '<p><button type="button" id="gc-logout">Se déconnecter</button></p>';
    el("gc-stage").addEventListener("change", function () {
      filter = el("gc-stage").value;
      el("gc-list").innerHTML = list();
      bindList();
      draw();
    });
    bindList();
    if (el("gc-open")) {
      el("gc-open").addEventListener("click", function () {
        put("/conventionnement/dossiers", {point_of_sale_id: Number(el("gc-candidate").value),
                                           proposed_by: el("gc-proposed").value || null},
            "POST").then(function (out) {
          return load().then(function () { openDossier(out.id); });
        }).catch(function (err) { el("gc-open-error").textContent = err.message; });
      });
    }
    el("gc-logout").addEventListener("click", s.logout);
    status.textContent = num(data.dossiers.length) + " dossier" +
      (data.dossiers.length > 1 ? "s" : "") + " · " + num(data.candidates.length) +
      " candidat" + (data.candidates.length > 1 ? "s" : "") + " sans dossier";
  }
  function bindList() {
    panel.querySelectorAll("[data-dossier]").forEach(function (b) {
      b.addEventListener("click", function () { openDossier(Number(b.dataset.dossier)); });
    });
  }

  // --- one dossier -----------------------------------------------------------------------
  function people(n) { return num(Math.round(n)) + " personne" + (Math.round(n) > 1 ? "s" : ""); }
  function effectHtml(e) {
    var adding = e.mode === "add", ten = e.bands[1];
    var members = ten.members === 0 ? "moins de " + num(e.min_members) + " membres (" +
      C.secret + ")" : num(ten.members) + " membres";
    // null: the territory holds no income, the low-income people are not counted
    function modest(n) {
      return n == null ? "" : ", dont <strong>" + num(Math.round(n)) + " aux revenus modestes</strong>";
    }
    return (adding ?
      "<p>Le conventionner mettrait <strong>" + people(e.people_brought_within_reach) +
      "</strong>" + modest(e.low_income_brought_within_reach) + ", à moins de " +
      num(e.threshold_min) + " minutes à pied d'un lieu où payer en MonA.</p>" :
      "<p>Il est conventionné. Y mettre fin éloignerait <strong>" +
      people(e.people_put_out_of_reach) + "</strong>" + modest(e.low_income_put_out_of_reach) +
      ", à plus de " + num(e.threshold_min) + " minutes à pied du plus proche.</p>") +
      (e.desert_before == null ? "<p>Habitants aux revenus modestes et désert alimentaire : " +
        "non calculés, revenus non fournis pour ce territoire.</p>" :
      "<p>Désert alimentaire : " + people(e.desert_before) + " aujourd'hui, " +
      people(e.desert_after) + (adding ? " s'il est conventionné" : " sans lui") + ".</p>") +
      "<p>Habitent à moins de 10 minutes à pied : " + people(ten.people) + ", dont " +
      members + " de la caisse.</p>" +
      '<p class="gc-note">Membres comptés par zones entières d\'au moins ' +
      num(e.min_members) + " membres (secret statistique).</p>";
  }
  function gridHtml(d) {
    var families = [];
    d.grid.forEach(function (g) { if (families.indexOf(g.family) < 0) { families.push(g.family); } });
    return families.map(function (f) {
      return "<fieldset class='gc-family'><legend>" + esc(f) + "</legend>" +
        d.grid.filter(function (g) { return g.family === f; }).map(function (g) {
          return '<div class="gc-criterion" data-key="' + esc(g.key) + '"><p id="gc-c-' +
            esc(g.key) + '">' + esc(g.label) + "</p>" +
            '<label for="gc-s-' + esc(g.key) + '">Avis</label><select id="gc-s-' +
            esc(g.key) + '" aria-describedby="gc-c-' + esc(g.key) + '">' +
            Object.keys(STATES).map(function (k) {
              return '<option value="' + k + '"' + (g.state === k ? " selected" : "") + ">" +
                STATES[k] + "</option>"; }).join("") + "</select>" +
            '<label for="gc-m-' + esc(g.key) + '">Commentaire</label><input id="gc-m-' +
            esc(g.key) + '" value="' + esc(g.comment || "") + '">' +
            (g.answered ? '<p class="gc-note">' + esc(g.updated_by) + ", " +
              esc(C.when(g.updated_at)) + "</p>" : "") + "</div>";
        }).join("") + "</fieldset>";
    }).join("");
  }
  function decisionsHtml(d) {
    return d.decisions.length ? "<ul>" + d.decisions.map(function (x) {
      var votes = x.votes_for == null && x.votes_against == null ? "" : " (" +
        num(x.votes_for || 0) + " pour, " + num(x.votes_against || 0) + " contre, " +
        num(x.votes_abstention || 0) + " abstention" + ((x.votes_abstention || 0) > 1 ? "s" : "") + ")";
      return "<li>" + esc(STAGES[x.decision].label) + " au comité du " +
        esc(C.date(x.decided_on)) + esc(votes) + (x.note ? " — " + esc(x.note) : "") +
        "<br><small>enregistré par " + esc(x.recorded_by) + ", " + esc(C.when(x.recorded_at)) +
        "</small></li>"; }).join("") + "</ul>" : "<p>Pas encore de décision.</p>";
  }
  function historyHtml(d) {
    return d.status_history.length ? "<ul>" + d.status_history.map(function (h) {
      return "<li>" + esc(C.when(h.changed_at)) + " : " + esc(STATUSES[h.status_before] ||
        h.status_before) + " → " + esc(STATUSES[h.status_after] || h.status_after) +
        " (" + esc(h.changed_by) + ", " + esc(h.reason) + ")</li>"; }).join("") + "</ul>"
      : "<p>Aucun changement depuis le chargement des données.</p>";
  }
  function show(d) {
    current = d;
    var p = d.point_of_sale;
    map.setView([p.lat, p.lon], Math.max(map.getZoom(), 15));
    panel.innerHTML =
      '<p><button type="button" id="gc-back">← Tous les dossiers</button></p>' +
      '<h2 id="gc-h-dossier">' + esc(p.name) + "</h2>" +
      "<p>" + esc(KINDS[p.kind] || p.kind) + (p.address ? " · " + esc(p.address) : "") +
      "</p><p>Stade : <strong>" + esc(STAGES[d.stage].label) + "</strong> · statut : " +
      esc(STATUSES[p.status] || p.status) + "</p><p>Proposé par " + esc(d.proposed_by) +
      ", dossier ouvert le " + esc(C.when(d.opened_at)) + ".</p>" +
      '<section class="gc-card" aria-labelledby="gc-h-effect"><h3 id="gc-h-effect">' +
      "Ce que cela changerait</h3><div id=\"gc-effect\"><p>Calcul…</p></div></section>" +
      '<section class="gc-card" aria-labelledby="gc-h-grid"><h3 id="gc-h-grid">Critères' +
      (d.criteria_illustrative ? " (indicatifs)" : "") + "</h3>" + gridHtml(d) +
      '<button type="button" id="gc-save-grid" class="gc-primary">Enregistrer les critères' +
      '</button><p class="gc-error" role="alert" id="gc-grid-error"></p></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-docs"><h3 id="gc-h-docs">Pièces</h3>' +
      (d.attachments.length ? "<ul>" + d.attachments.map(function (a) {
        return "<li>" + esc(a.reference) + " <small>(" + esc(a.added_by) + ", " +
          esc(C.date(a.added_at.slice(0, 10))) + ")</small></li>"; }).join("") + "</ul>"
        : "<p>Aucune pièce.</p>") +
      '<label for="gc-doc">Référence d\'une pièce</label><input id="gc-doc" ' +
      'placeholder="compte rendu de visite n° 7">' +
      '<button type="button" id="gc-add-doc">Ajouter la pièce</button>' +
      '<p class="gc-error" role="alert" id="gc-doc-error"></p></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-meeting"><h3 id="gc-h-meeting">' +
      "Comité</h3><label for=\"gc-meeting\">Date de la réunion</label><input type=\"date\" " +
      'id="gc-meeting" value="' + esc(d.meeting_on || "") + '">' +
      '<button type="button" id="gc-save-meeting">Inscrire à cette réunion</button>' +
      '<h4>Décisions</h4>' + decisionsHtml(d) +
      '<fieldset><legend>Décision du comité</legend>' + Object.keys(DECISIONS).map(function (k) {
        return '<label class="gc-radio"><input type="radio" name="gc-decision" value="' + k +
          '"> ' + DECISIONS[k] + "</label>"; }).join("") + "</fieldset>" +
      '<label for="gc-decided-on">Date de la décision</label><input type="date" ' +
      'id="gc-decided-on" value="' + esc(d.meeting_on || today()) + '">' +
      '<div class="gc-votes"><div><label for="gc-v-for">Pour</label><input id="gc-v-for" ' +
      'inputmode="numeric"></div><div><label for="gc-v-against">Contre</label><input ' +
      'id="gc-v-against" inputmode="numeric"></div><div><label for="gc-v-abst">Abstentions' +
      '</label><input id="gc-v-abst" inputmode="numeric"></div></div>' +
      '<p class="gc-note">Laissez les votes vides s\'il n\'y a pas eu de vote.</p>' +
      '<label for="gc-note">Note (facultatif)</label><input id="gc-note">' +
      '<button type="button" id="gc-decide" class="gc-primary">Enregistrer la décision</button>' +
      '<div id="gc-confirm"></div><p class="gc-error" role="alert" id="gc-decide-error"></p>' +
      "</section>" +
      '<section class="gc-card" aria-labelledby="gc-h-history"><h3 id="gc-h-history">' +
      "Historique du statut</h3>" + historyHtml(d) + "</section>";
    el("gc-back").addEventListener("click", function () { load().then(overview); });
    el("gc-save-grid").addEventListener("click", saveGrid);
    el("gc-add-doc").addEventListener("click", function () {
      var ref = el("gc-doc").value.trim();
      if (!ref) { el("gc-doc-error").textContent = "Écrivez la référence de la pièce."; return; }
      put("/conventionnement/dossiers/" + d.id + "/attachments", {reference: ref}, "POST")
        .then(function (out) { show(out); status.textContent = "Pièce ajoutée"; })
        .catch(function (err) { el("gc-doc-error").textContent = err.message; });
    });
    el("gc-save-meeting").addEventListener("click", function () {
      put("/conventionnement/dossiers/" + d.id + "/meeting",
          {meeting_on: el("gc-meeting").value || null}).then(function (out) {
        show(out); status.textContent = out.meeting_on ? "Inscrit au comité du " +
          C.date(out.meeting_on) : "Retiré de l'ordre du jour"; })
        .catch(function (err) { el("gc-decide-error").textContent = err.message; });
    });
    el("gc-decide").addEventListener("click", confirmDecision);
    s.api("/conventionnement/dossiers/" + d.id + "/effect").then(function (e) {
      if (current && current.id === d.id) { el("gc-effect").innerHTML = effectHtml(e); }
    }).catch(function (err) {
      if (current && current.id === d.id) { el("gc-effect").textContent = err.message; }
    });
    status.textContent = "Dossier de " + p.name;
    document.body.setAttribute("data-gc-ready", "1");
  }
  function saveGrid() {
    var d = current, changed = d.grid.filter(function (g) {
      return el("gc-s-" + g.key).value !== g.state ||
        (el("gc-m-" + g.key).value || "") !== (g.comment || "");
    });
    if (!changed.length) { status.textContent = "Aucun changement à enregistrer"; return; }
    var chain = Promise.resolve(null);
    changed.forEach(function (g) {
      chain = chain.then(function () {
        return put("/conventionnement/dossiers/" + d.id + "/criteria/" + g.key,
                   {state: el("gc-s-" + g.key).value,
                    comment: el("gc-m-" + g.key).value || null});
      });
    });
    chain.then(function (out) {
      show(out);
      status.textContent = num(changed.length) + " critère" + (changed.length > 1 ? "s" : "") +
        " enregistré" + (changed.length > 1 ? "s" : "");
    }).catch(function (err) { el("gc-grid-error").textContent = err.message; });
  }
  function count(id) {
    var v = el(id).value.trim();
    if (v === "") { return null; }
    if (!/^\d{1,5}$/.test(v)) { throw new Error("Les votes sont des nombres entiers (ou vides)."); }
    return Number(v);
  }
  function confirmDecision() {
    var picked = panel.querySelector("input[name=gc-decision]:checked");
    var error = el("gc-decide-error");
    error.textContent = "";
    if (!picked) { error.textContent = "Choisissez la décision du comité."; return; }
    if (!el("gc-decided-on").value) { error.textContent = "Indiquez la date de la décision."; return; }
    var body;
    try {
      body = {decision: picked.value, decided_on: el("gc-decided-on").value,
              votes_for: count("gc-v-for"), votes_against: count("gc-v-against"),
              votes_abstention: count("gc-v-abst"), note: el("gc-note").value || null};
    } catch (err) { error.textContent = err.message; return; }
    el("gc-confirm").innerHTML = '<p class="gc-result">' + esc(DECISIONS[body.decision]) + " « " +
      esc(current.point_of_sale.name) + " », décision du " + esc(C.date(body.decided_on)) +
      (body.decision === "conventionne" ? " : ses clients pourront payer en MonA dès maintenant." :
       body.decision === "suspendu" ? " : la MonA n'y sera plus acceptée." :
       " : il reste candidat, sans la MonA.") + "</p>" +
      '<button type="button" id="gc-confirm-yes" class="gc-primary">Confirmer</button>' +
      '<button type="button" id="gc-confirm-no">Annuler</button>';
    el("gc-confirm-no").addEventListener("click", function () { el("gc-confirm").innerHTML = ""; });
    el("gc-confirm-yes").addEventListener("click", function () {
      var id = current.id;
      put("/conventionnement/dossiers/" + id + "/decision", body, "POST").then(function () {
        return s.api("/conventionnement/dossiers/" + id);
      }).then(function (out) {
        show(out);
        return load();
      }).then(function () {
        status.textContent = "Décision enregistrée : " + STAGES[current.stage].label.toLowerCase();
      }).catch(function (err) { error.textContent = err.message; });
    });
  }
  function openDossier(id) {
    status.textContent = "Chargement du dossier…";
    s.api("/conventionnement/dossiers/" + id).then(show).catch(function (err) {
      status.textContent = err.message; });
  }

  function load() {
    return s.api("/conventionnement").then(function (d) { data = d; draw(); });
  }
  function start() {
    status.textContent = "Chargement…";
    load().then(function () {
      overview();
      document.body.setAttribute("data-gc-ready", "1");
    }).catch(function (err) { status.textContent = err.message; });
  }
})();
