/* geo_caisse coordinators' accounts: invitation letters (PDF) for the members without a
   login and for the conventionnés no login cashes at, a referred person admitted directly,
   and every login (disable, enable, a new password by letter). The codes are shown once,
   in this page and in the letters: they are kept nowhere else. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc;
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var s = C.session(cfg, status, start);
  var ROLES = {member: "membre", producer: "point de vente", committee: "comité",
               coordinator: "coordination", admin: "administration"};
  var CHANNELS = {open_call: "appel à volontaires", referral: "orientation sociale",
                  committee: "proposition du comité"};
  var KINDS = {market: "marché", producer: "producteur", shop: "commerce",
               epicerie: "épicerie", cooperative: "supermarché coopératif", amap: "AMAP"};
  var letters = null;   // the last letters' blob URL
  function el(id) { return document.getElementById(id); }

  function entry(e) {
    return e.draw_id ? "tirage n° " + e.draw_id + (e.channel && e.channel !== "open_call" ?
      " (" + CHANNELS[e.channel] + ")" : "") : e.channel ? CHANNELS[e.channel] || e.channel
      : "inscription directe";
  }
  var SHOWN = 25;  // the newest entering members; the others one tap away
  function show(d) {
    panel.innerHTML =
      '<div id="gc-issued" aria-live="polite"></div>' +
      '<section class="gc-card" aria-labelledby="gc-h-entering"><h2 id="gc-h-entering">' +
        "Nouveaux membres sans compte (" + C.num(d.entering.length) + ")</h2>" +
        (d.entering.length ? '<div class="gc-actions"><button type="button" class="gc-primary"' +
          ' id="gc-invite-all">Une lettre pour chacun</button><button type="button" ' +
          'id="gc-invite-some">Une lettre pour la sélection</button></div>' +
          '<div class="gc-scroll"><table><thead><tr><th>Choisir</th><th>Membre</th><th>Entrée</th><th>Lettre</th>' +
          "</tr></thead><tbody>" + d.entering.map(function (e, i) {
            return "<tr" + (i >= SHOWN ? " hidden" : "") + '><td><input type="checkbox" class="gc-pick-member" value="' +
              e.member_id + '" id="gc-m-' + e.member_id + '" aria-label="Choisir ' +
              esc(e.pseudonym) + '"></td><td><label for="gc-m-' + e.member_id + '">' +
              esc(e.pseudonym) + "</label></td><td>" + esc(entry(e)) + ", " +
              esc(C.date(e.joined_on)) + "</td><td>" + (e.invitation_waiting ?
              "envoyée, pas encore utilisée" : "—") + "</td></tr>";
          }).join("") + "</tbody></table></div>" + (d.entering.length > SHOWN ?
          '<p><button type="button" id="gc-more-entering">Voir les ' +
          C.num(d.entering.length - SHOWN) + " autres</button></p>" : "") :
          "<p>Tous les membres ont leur compte.</p>") +
      "</section>" +
      '<section class="gc-card" aria-labelledby="gc-h-referral"><h2 id="gc-h-referral">' +
        "Personne orientée par un travailleur social</h2>" +
        '<p class="gc-note">Ni nom ni adresse : seulement ce que le tirage connaît (revenus, ' +
        "âge, quartier). La personne entre directement et reçoit sa lettre.</p>" +
        '<form id="gc-referral" novalidate><div class="gc-field"><label for="gc-r-q">' +
        "Revenus du foyer</label><select id=\"gc-r-q\">" + [1, 2, 3, 4].map(function (q) {
          return '<option value="' + q + '">' + esc(C.stratum("Q" + q + "|<30")
            .split(",")[0]) + "</option>"; }).join("") + "</select></div>" +
        '<div class="gc-field"><label for="gc-r-age">Âge</label><select id="gc-r-age">' +
        '<option value="<30">moins de 30 ans</option><option value="30-60">30 à 60 ans</option>' +
        '<option value=">60">plus de 60 ans</option></select></div>' +
        '<div class="gc-field"><label for="gc-r-area">Quartier</label><select id="gc-r-area">' +
        '<option value="">non précisé</option></select></div>' +
        '<button type="submit" class="gc-primary">Admettre et imprimer sa lettre</button>' +
        '<p id="gc-r-error" class="gc-error" role="alert"></p></form></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-vendors"><h2 id="gc-h-vendors">' +
        "Conventionnés sans compte (" + C.num(d.vendors_to_invite.length) + ")</h2>" +
        (d.vendors_to_invite.length ? '<p class="gc-note">Un producteur présent sur ' +
          "plusieurs marchés : cochez ses étals, il recevra une seule lettre.</p>" +
          '<button type="button" id="gc-invite-vendor" class="gc-primary">Une lettre pour les ' +
          "points de vente cochés</button><ul class='gc-checks'>" +
          d.vendors_to_invite.map(function (v) {
            return '<li><label class="gc-check"><input type="checkbox" class="gc-pick-pos" ' +
              'value="' + v.point_of_sale_id + '">' + esc(v.name) + " (" +
              esc(KINDS[v.kind] || v.kind) + ")" + (v.invitation_waiting ?
              " — lettre envoyée" : "") + "</label></li>"; }).join("") + "</ul>"
          : "<p>Chaque conventionné a son compte.</p>") + "</section>" +
      '<section class="gc-card" aria-labelledby="gc-h-accounts"><h2 id="gc-h-accounts">' +
        "Comptes (" + C.num(d.accounts.length) + ')</h2><div class="gc-scroll"><table><thead><tr><th>Identifiant' +
        "</th><th>Rôle</th><th>Lien</th><th>État</th><th>Actions</th></tr></thead><tbody>" +
        d.accounts.map(function (a) {
          return "<tr><td>" + esc(a.username) + "</td><td>" + esc(ROLES[a.role] || a.role) +
            "</td><td>" + esc(a.member_pseudonym || a.points_of_sale.join(", ") || "—") +
            "</td><td>" + (a.active ? "actif" : "désactivé") + (a.last_login_at ?
            "<br><small>dernière connexion : " + esc(C.when(a.last_login_at)) + "</small>" :
            "") + "</td><td><button type='button' data-act='" + (a.active ? "off" : "on") +
            "' data-user='" + esc(a.username) + "'>" + (a.active ? "Désactiver" : "Réactiver") +
            "</button> <button type='button' data-act='reset' data-user='" + esc(a.username) +
            "'>Lettre de nouveau mot de passe</button></td></tr>";
        }).join("") + "</tbody></table></div></section>" +
      '<p><button type="button" id="gc-logout">Se déconnecter</button></p>';
    el("gc-logout").addEventListener("click", s.logout);
    if (el("gc-invite-all")) {
      el("gc-invite-all").addEventListener("click", function () {
        issue("/invitations/entering", {}); });
      el("gc-invite-some").addEventListener("click", function () {
        var ids = picked(".gc-pick-member");
        if (!ids.length) { status.textContent = "Cochez au moins un membre."; return; }
        issue("/invitations/entering", {member_ids: ids});
      });
    }
    if (el("gc-more-entering")) {
      el("gc-more-entering").addEventListener("click", function () {
        panel.querySelectorAll("#gc-h-entering ~ .gc-scroll tr[hidden]").forEach(function (r) {
          r.hidden = false; });
        el("gc-more-entering").parentNode.remove();
      });
    }
    if (el("gc-invite-vendor")) {
      el("gc-invite-vendor").addEventListener("click", function () {
        var ids = picked(".gc-pick-pos");
        if (!ids.length) { status.textContent = "Cochez au moins un point de vente."; return; }
        issue("/invitations", {points_of_sale: ids});
      });
    }
    panel.querySelectorAll("button[data-act]").forEach(function (b) {
      b.addEventListener("click", function () {
        var user = b.getAttribute("data-user"), act = b.getAttribute("data-act");
        if (act === "reset") { issue("/invitations", {username: user}); return; }
        s.api("/accounts/" + encodeURIComponent(user), {method: "PATCH",
          headers: {"Content-Type": "application/json"},
          body: JSON.stringify({active: act === "on"})}).then(function () {
          status.textContent = "Compte " + user + (act === "on" ? " réactivé" : " désactivé");
          return load();
        }).catch(function (err) { status.textContent = err.message; });
      });
    });
    el("gc-referral").addEventListener("submit", referral);
    areas();
    document.body.setAttribute("data-gc-ready", "1");
  }
  function picked(sel) {
    return Array.prototype.filter.call(panel.querySelectorAll(sel), function (i) {
      return i.checked; }).map(function (i) { return Number(i.value); });
  }
  function issue(path, body) {
    status.textContent = "Préparation des lettres…";
    return s.api(path, {method: "POST", headers: {"Content-Type": "application/json"},
                        body: JSON.stringify(body)}).then(function (out) {
      return load().then(function () { issued(out); });
    }).catch(function (err) { status.textContent = err.message; });
  }
  function issued(out) {
    if (letters) { URL.revokeObjectURL(letters); letters = null; }
    var n = out.invitations.length;
    if (!n) { status.textContent = "Aucune lettre à faire."; return; }
    var bytes = Uint8Array.from(atob(out.letters_pdf_base64), function (c) {
      return c.charCodeAt(0); });
    letters = URL.createObjectURL(new Blob([bytes], {type: "application/pdf"}));
    el("gc-issued").innerHTML = '<section class="gc-card" aria-labelledby="gc-h-issued">' +
      '<h2 id="gc-h-issued">' + C.num(n) + (n > 1 ? " lettres prêtes" : " lettre prête") +
      '</h2><p><a class="gc-button gc-primary" id="gc-letters" download="lettres-invitation.pdf"' +
      ' href="' + letters + '">Télécharger les lettres à imprimer (PDF)</a></p>' +
      "<p class='gc-note'>Les codes ne sont montrés qu'ici et dans les lettres : gardez-les " +
      "pour la personne. Une nouvelle lettre remplace la précédente.</p><ul>" +
      out.invitations.map(function (i) {
        return "<li>" + esc(i.member_pseudonym || i.username || i.points_of_sale.join(", ")) +
          " : <strong class='gc-invitation-code'>" + esc(i.code) + "</strong> (valable " +
          "jusqu'au " + esc(C.when(i.expires_at)) + ")</li>"; }).join("") + "</ul></section>";
    status.textContent = n > 1 ? C.num(n) + " lettres prêtes à imprimer" : "Lettre prête à imprimer";
  }
  function areas() {
    // one group per level of the territory, coarse to fine, named as the territory names it
    Promise.all([C.json(cfg.api + "/territory"),
                 C.json(cfg.api + "/neighbourhoods?limit=1000")]).then(function (got) {
      var byLevel = {};
      got[1].features.forEach(function (f) {
        (byLevel[f.properties.level] = byLevel[f.properties.level] || []).push(f.properties);
      });
      var select = el("gc-r-area");
      got[0].levels.filter(function (lv) { return byLevel[lv.code]; }).forEach(function (lv) {
        var g = document.createElement("optgroup");
        g.label = lv.many;
        byLevel[lv.code].sort(function (a, b) { return a.name.localeCompare(b.name, "fr"); })
          .forEach(function (p) {
            var o = document.createElement("option"); o.value = p.code; o.textContent = p.name;
            g.appendChild(o);
          });
        select.appendChild(g);
      });
    }).catch(function () { /* the list stays "non précisé" */ });
  }
  function referral(e) {
    e.preventDefault();
    var error = el("gc-r-error");
    error.textContent = "";
    var body = {income_quartile: Number(el("gc-r-q").value), age_band: el("gc-r-age").value,
                channel: "referral"};
    if (el("gc-r-area").value) { body.neighbourhood_code = el("gc-r-area").value; }
    s.api("/volunteers", {method: "POST", headers: {"Content-Type": "application/json"},
                          body: JSON.stringify(body)}).then(function (v) {
      return issue("/admissions", {ref: v.ref});
    }).catch(function (err) { error.textContent = err.message; });
  }
  function load() {
    return s.api("/accounts").then(function (d) {
      show(d);
      status.textContent = C.num(d.accounts.length) + " comptes · " +
        C.num(d.entering.length) + " membres sans compte";
    });
  }
  function start() { load().catch(function (err) { status.textContent = err.message; }); }
})();
