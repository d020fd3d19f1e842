/* geo_caisse coordinators' public draw: the waiting volunteers by stratum (never a group
   under the minimum shown), the quotas the territory's population gives for the seats, the
   seed (typed in from a public event, or drawn here and shown), the draw after a
   confirmation, its public page, the entering members' letters, past draws, and the exits
   with who entered from the waiting list in their place. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc;
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var s = C.session(cfg, status, start);
  var MAX_SEED = BigInt("9223372036854775808");  // 2^63
  var letters = null;
  var plan = null;
  function el(id) { return document.getElementById(id); }
  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" +
      String(d.getDate()).padStart(2, "0");
  }
  function waitingText(row, k) {
    if (row.waiting != null) { return C.num(row.waiting); }
    return row.fewer_than_minimum ? "moins de " + C.num(k) : "masqué (secret statistique)";
  }
  function enoughText(row) {
    if (row.quota === 0) { return "aucune place"; }
    if (row.enough === true) { return "oui"; }
    if (row.enough === false) { return "non : des places resteront vides"; }
    return "peut-être pas";
  }
  function planTable(p) {
    return '<table id="gc-plan" tabindex="0"><caption>Quotas pour ' + C.num(p.seats) +
      (p.seats > 1 ? " places" : " place") + "</caption><thead><tr><th scope='col'>Catégorie" +
      "</th><th scope='col' class='gc-wide'>Part de la population</th><th scope='col'>Places</th>" +
      "<th scope='col'>Volontaires en attente</th><th scope='col'>Assez ?" +
      "</th></tr></thead><tbody>" + p.strata.map(function (r) {
        return "<tr><th scope='row'>" + esc(C.stratum(r.stratum)) + "</th><td class='gc-wide'>" +
          esc(C.pct(r.population_share, 1)) + "</td><td>" + C.num(r.quota) + "</td><td>" +
          esc(waitingText(r, p.min_members_per_cell)) + "</td><td>" + esc(enoughText(r)) +
          "</td></tr>"; }).join("") + "</tbody><tfoot><tr><th scope='row'>Total</th>" +
      "<td class='gc-wide'>100 %</td><td>" + C.num(p.seats) + "</td><td>" + (p.waiting == null ? "moins de " +
      C.num(p.min_members_per_cell) : C.num(p.waiting)) + "</td><td></td></tr></tfoot></table>";
  }
  function show(draws, entering, exits) {
    panel.innerHTML =
      '<div id="gc-result" aria-live="polite"></div>' +
      '<section class="gc-card" aria-labelledby="gc-h-prepare"><h2 id="gc-h-prepare">' +
        "Préparer le tirage</h2>" +
        '<p class="gc-note">Les nouveaux membres sont tirés au sort parmi les volontaires en ' +
        "attente, catégorie par catégorie (revenus et âge), pour que la caisse ressemble à la " +
        "population du territoire. Une catégorie de moins de " + C.num(plan ? plan.min_members_per_cell : 11) +
        " volontaires n'est pas chiffrée (secret statistique).</p>" +
        '<form id="gc-draw" novalidate>' +
        '<div class="gc-field"><label for="gc-seats">Nombre de places</label>' +
        '<input id="gc-seats" inputmode="numeric" value="' + (plan ? plan.seats : 20) +
        '" aria-describedby="gc-seats-error"><p id="gc-seats-error" class="gc-error" role="alert"></p></div>' +
        '<button type="button" id="gc-quotas">Calculer les quotas</button>' +
        '<div id="gc-plan-box">' + (plan ? planTable(plan) : "") + "</div>" +
        '<div class="gc-field"><label for="gc-joined">Date d\'entrée des personnes tirées</label>' +
        '<input id="gc-joined" type="date" value="' + today() + '"></div>' +
        '<div class="gc-field"><label for="gc-seed">Graine du tirage (un nombre entier)</label>' +
        '<p class="gc-note" id="gc-seed-help">La graine décide du hasard : avec la même liste ' +
        "et la même graine, tout le monde retrouve exactement les mêmes personnes tirées. " +
        "Le mieux est un nombre annoncé publiquement avant le tirage et que personne ne " +
        "connaissait à l'avance, par exemple les numéros d'un tirage du Loto mis bout à bout " +
        "(7, 12, 25, 31, 44 donnent 712253144). Sinon, faites tirer un nombre ici et lisez-le " +
        "à voix haute : il sera publié avec le résultat.</p>" +
        '<input id="gc-seed" inputmode="numeric" autocomplete="off" ' +
        'aria-describedby="gc-seed-help gc-seed-error">' +
        '<p id="gc-seed-error" class="gc-error" role="alert"></p></div>' +
        '<div class="gc-actions"><button type="button" id="gc-random">Tirer une graine au hasard' +
        '</button><button type="submit" class="gc-primary">Tirer au sort</button></div>' +
        '<p id="gc-draw-error" class="gc-error" role="alert"></p></form></section>' +
      '<dialog id="gc-confirm" aria-labelledby="gc-h-confirm"><h2 id="gc-h-confirm">' +
        "Confirmer le tirage</h2><p id=\"gc-confirm-text\"></p><div class=\"gc-actions\">" +
        '<button type="button" class="gc-primary" id="gc-confirm-yes">Confirmer le tirage</button>' +
        '<button type="button" id="gc-confirm-no">Annuler</button></div></dialog>' +
      '<section class="gc-card" aria-labelledby="gc-h-draws"><h2 id="gc-h-draws">' +
        "Tirages passés (" + C.num(draws.length) + ")</h2>" + (draws.length ?
        "<table id='gc-draws' tabindex='0'><thead><tr><th scope='col'>Tirage</th><th scope='col'>Date</th>" +
        "<th scope='col'>Places</th><th scope='col'>Personnes tirées</th><th scope='col'>" +
        "Sans lettre</th><th scope='col'>Lettres</th></tr></thead><tbody>" +
        draws.map(function (d) {
          var todo = entering.filter(function (e) {
            return e.draw_id === d.id && !e.invitation_waiting; }).length;
          return "<tr><td><a href='/tirage/" + d.id + "'>n° " + d.id + "</a></td><td>" +
            esc(C.when(d.held_at)) + "</td><td>" + C.num(d.seats) + "</td><td>" +
            C.num(d.selected) + " sur " + C.num(d.volunteers) + " volontaires</td><td>" +
            C.num(todo) + "</td><td>" + (todo ? "<button type='button' data-invite='" + d.id +
            "'>Envoyer les invitations aux entrants</button>" : "toutes envoyées") + "</td></tr>";
        }).join("") + "</tbody></table>" : "<p>Aucun tirage pour l'instant.</p>") + "</section>" +
      '<section class="gc-card" aria-labelledby="gc-h-exits"><h2 id="gc-h-exits">' +
        "Sorties et remplacements</h2><p class='gc-note'>Quand un membre quitte la caisse, la " +
        "personne suivante de sa catégorie sur la liste d'attente (dans l'ordre tiré avec la " +
        "graine du dernier tirage) entre à sa place.</p>" + (exits.length ?
        "<table id='gc-exits' tabindex='0'><thead><tr><th scope='col'>Date de sortie</th><th scope='col'>" +
        "Membre sorti</th><th scope='col'>Entré à sa place</th></tr></thead><tbody>" +
        exits.map(function (x) {
          return "<tr><td>" + esc(C.date(x.left_on)) + "</td><td>" + esc(x.member_pseudonym) +
            "</td><td>" + (x.replacement_pseudonym ? esc(x.replacement_pseudonym) +
            " (volontaire " + esc(x.replacement_ref) + (x.replacement_draw_id ?
            ", liste d'attente du tirage n° " + x.replacement_draw_id : "") + ")" :
            "personne (aucun volontaire en attente dans sa catégorie)") + "</td></tr>";
        }).join("") + "</tbody></table>" : "<p>Aucune sortie enregistrée.</p>") + "</section>" +
      '<p><button type="button" id="gc-logout">Se déconnecter</button></p>';
    el("gc-logout").addEventListener("click", s.logout);
    el("gc-quotas").addEventListener("click", function () { quotas(); });
    el("gc-random").addEventListener("click", randomSeed);
    el("gc-draw").addEventListener("submit", ask);
    el("gc-confirm-no").addEventListener("click", function () { el("gc-confirm").close(); });
    el("gc-confirm-yes").addEventListener("click", hold);
    panel.querySelectorAll("button[data-invite]").forEach(function (b) {
      b.addEventListener("click", function () { invite(Number(b.getAttribute("data-invite"))); });
    });
    document.body.setAttribute("data-gc-ready", "1");
  }
  function seats() {
    var t = el("gc-seats").value.trim();
    if (!/^\d{1,6}$/.test(t) || Number(t) < 1 || Number(t) > 100000) {
      el("gc-seats-error").textContent = "Indiquez un nombre de places entre 1 et 100 000.";
      return null;
    }
    el("gc-seats-error").textContent = "";
    return Number(t);
  }
  function quotas() {
    var n = seats();
    if (n == null) { return Promise.resolve(null); }
    return s.api("/draws/plan?seats=" + n).then(function (p) {
      plan = p;
      el("gc-plan-box").innerHTML = planTable(p);
      status.textContent = "Quotas calculés pour " + C.num(n) + (n > 1 ? " places" : " place");
      return p;
    }).catch(function (err) { status.textContent = err.message; return null; });
  }
  function randomSeed() {
    var w = new Uint32Array(2);
    crypto.getRandomValues(w);
    // 53 bits: a number every spreadsheet and calculator keeps exactly
    var v = BigInt(w[0] & 0x1fffff) * BigInt(4294967296) + BigInt(w[1]);
    el("gc-seed").value = v.toString();
    el("gc-seed-error").textContent = "";
    status.textContent = "Graine tirée : " + v.toString() + ". Notez-la : elle sera publiée.";
  }
  function seed() {
    var t = el("gc-seed").value.trim().replace(/[\s\u00a0\u202f]/g, "");
    if (!/^\d{1,19}$/.test(t) || BigInt(t) >= MAX_SEED) {
      el("gc-seed-error").textContent = t ? "La graine est un nombre entier sans virgule, " +
        "d'au plus 18 chiffres." : "Saisissez la graine annoncée, ou tirez-en une au hasard.";
      return null;
    }
    el("gc-seed-error").textContent = "";
    return BigInt(t).toString();
  }
  function ask(e) {
    e.preventDefault();
    el("gc-draw-error").textContent = "";
    var n = seats(), g = seed(), joined = el("gc-joined").value;
    if (n == null || g == null) { return; }
    if (!/^\d{4}-\d\d-\d\d$/.test(joined)) {
      el("gc-draw-error").textContent = "Indiquez la date d'entrée des personnes tirées.";
      return;
    }
    quotas().then(function (p) {
      if (!p) { return; }
      el("gc-confirm-text").textContent = "Vous allez tirer au sort " + C.num(n) +
        (n > 1 ? " personnes" : " personne") + " parmi " + (p.waiting == null ? "moins de " +
        C.num(p.min_members_per_cell) : C.num(p.waiting)) + " volontaires en attente, avec " +
        "la graine " + g + ". Le tirage est définitif : les personnes tirées deviennent " +
        "membres le " + C.date(joined) + " et le résultat est public.";
      el("gc-confirm").showModal();
    });
  }
  function hold() {
    el("gc-confirm").close();
    var body = '{"seats": ' + seats() + ', "seed": ' + seed() + ', "joined_on": ' +
      JSON.stringify(el("gc-joined").value) + "}";
    status.textContent = "Tirage en cours…";
    s.api("/draws", {method: "POST", headers: {"Content-Type": "application/json"},
                     body: body}).then(function (d) {
      return load().then(function () { held(d); });
    }).catch(function (err) {
      el("gc-draw-error").textContent = err.message;
      status.textContent = "Tirage refusé : rien n'a été enregistré.";
    });
  }
  function held(d) {
    var unfilled = d.shortfall && d.shortfall.seats ? d.shortfall.seats.unfilled : 0;
    var short = Object.keys(d.places_to_mobilise || {});
    el("gc-result").innerHTML = '<section class="gc-card" aria-labelledby="gc-h-held">' +
      '<h2 id="gc-h-held" tabindex="-1">Tirage n° ' + d.id + " effectué</h2><p>" +
      C.num(d.members_opened) + (d.members_opened > 1 ? " personnes tirées" :
      " personne tirée") + " sur " + C.num(d.volunteers) + " volontaires ; " +
      C.num(d.waiting) + " restent sur la liste d'attente.</p>" + (unfilled ? "<p>" +
      C.num(unfilled) + (unfilled > 1 ? " places restent vides" : " place reste vide") +
      " : trop peu de volontaires en catégorie " + short.map(function (c) {
        return esc(C.stratum(c)) + " (où chercher : " + d.places_to_mobilise[c].slice(0, 3)
          .map(function (p) { return esc(p.name); }).join(", ") + ")"; }).join(" ; ") +
      ".</p>" : "") + '<p><a class="gc-button" id="gc-public" href="/tirage/' + d.id +
      '">Voir la page publique du tirage</a></p><p><button type="button" class="gc-primary" ' +
      'id="gc-invite-held">Envoyer les invitations aux entrants</button></p>' +
      '<div id="gc-issued" aria-live="polite"></div></section>';
    el("gc-invite-held").addEventListener("click", function () { invite(d.id); });
    el("gc-h-held").focus();
    status.textContent = "Tirage n° " + d.id + " effectué";
  }
  function invite(drawId) {
    status.textContent = "Préparation des lettres…";
    // only those without a letter waiting: a new letter would void one already posted
    s.api("/accounts").then(function (a) {
      var ids = a.entering.filter(function (e) {
        return e.draw_id === drawId && !e.invitation_waiting; })
        .map(function (e) { return e.member_id; });
      if (!ids.length) {
        status.textContent = "Toutes les personnes entrées par ce tirage ont déjà leur lettre.";
        return null;
      }
      return s.api("/invitations/entering", {method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({draw_id: drawId, member_ids: ids})});
    }).then(function (out) {
      if (out) { issued(out, drawId); }
    }).catch(function (err) { status.textContent = err.message; });
  }
  function issued(out, drawId) {
    if (letters) { URL.revokeObjectURL(letters); letters = null; }
    var n = out.invitations.length;
    var bytes = Uint8Array.from(atob(out.letters_pdf_base64), function (c) {
      return c.charCodeAt(0); });
    letters = URL.createObjectURL(new Blob([bytes], {type: "application/pdf"}));
    var box = el("gc-issued");
    if (!box) {
      el("gc-result").innerHTML = '<section class="gc-card"><div id="gc-issued"></div></section>';
      box = el("gc-issued");
    }
    box.innerHTML = '<h3 id="gc-h-issued">' + C.num(n) + (n > 1 ? " lettres prêtes" :
      " lettre prête") + " (tirage n° " + drawId + ')</h3><p><a class="gc-button gc-primary" ' +
      'id="gc-letters" download="lettres-tirage-' + drawId + '.pdf" href="' + letters +
      '">Télécharger les lettres à imprimer (PDF)</a></p><p class="gc-note">Les codes ne sont ' +
      "montrés qu'ici et dans les lettres : gardez-les pour les personnes.</p><ul>" +
      out.invitations.map(function (i) {
        return "<li>" + esc(i.member_pseudonym) + " : <strong class='gc-invitation-code'>" +
          esc(i.code) + "</strong> (valable jusqu'au " + esc(C.when(i.expires_at)) + ")</li>";
      }).join("") + "</ul>";
    status.textContent = C.num(n) + (n > 1 ? " lettres prêtes à imprimer" :
      " lettre prête à imprimer");
  }
  function load() {
    return Promise.all([s.api("/draws"), s.api("/accounts"), s.api("/enrolment/exits")])
      .then(function (r) {
        var keep = el("gc-result") ? el("gc-result").innerHTML : "";
        var typed = el("gc-seed") ? el("gc-seed").value : "";
        show(r[0].draws, r[1].entering, r[2].exits);
        el("gc-result").innerHTML = keep;
        el("gc-seed").value = typed;
      });
  }
  function start() {
    s.api("/draws/plan?seats=20").then(function (p) { plan = p; return load(); })
      .then(function () {
        status.textContent = plan.waiting == null ? "Moins de " +
          C.num(plan.min_members_per_cell) + " volontaires en attente" :
          C.num(plan.waiting) + " volontaires en attente";
      }).catch(function (err) { status.textContent = err.message; });
  }
})();
