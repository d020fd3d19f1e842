/* geo_caisse budget planner (the committee and the coordinators): the caisse's money since
   the start, then scenarios: members, MonA each, contributions by income quartile, the
   State's top-up, pledged funds; the gap to fund and who funds what, as a table and a bar,
   beside the reference budget; saved, downloaded as CSV, printed as PDF. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc, num = C.num;
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var s = C.session(cfg, status, start);
  var COLOURS = ["#0f766e", "#1d4ed8", "#a16207", "#7c3aed", "#be185d", "#475569"];
  var QUARTS = ["1er quart (revenus les plus modestes)", "2e quart", "3e quart",
                "4e quart (revenus les plus élevés)"];
  var d = null, pledges = [], last = null, loaded = null;

  function el(id) { return document.getElementById(id); }
  function send(path, body, method) {
    return s.api(path, {method: method || "POST", body: JSON.stringify(body),
                        headers: {"Content-Type": "application/json"}});
  }
  /* "12,5" -> "12.5"; "" and words -> null (0 allowed) */
  function amount(text) {
    var t = String(text == null ? "" : text).trim().replace(/\s/g, "").replace(",", ".");
    return /^\d{1,9}(\.\d{1,4})?$/.test(t) ? t : null;
  }
  function fr(v, digits) {
    return Number(v).toLocaleString("fr-FR", {maximumFractionDigits: digits == null ? 2 : digits});
  }
  function field(id, label, value, help) {
    return '<div class="gc-field"><label for="' + id + '">' + label + "</label>" +
      (help ? '<p class="gc-note" id="' + id + '-help">' + help + "</p>" : "") +
      '<input id="' + id + '" inputmode="decimal" value="' + esc(value) + '"' +
      (help ? ' aria-describedby="' + id + '-help"' : "") + "></div>";
  }

  function layout(budget) {
    var shares = d.observed_quartile_shares;
    panel.innerHTML =
      '<section class="gc-card" aria-labelledby="gc-h-actual"><h2 id="gc-h-actual">La caisse ' +
        "depuis le début (registre)</h2>" + actual(budget) + "</section>" +
      '<section class="gc-card" aria-labelledby="gc-h-scenario"><h2 id="gc-h-scenario">Un ' +
        "scénario</h2>" +
        '<div class="gc-actions"><button type="button" data-members="350">350 membres</button>' +
        '<button type="button" data-members="600">600 membres</button>' +
        '<button type="button" data-members="800">800 membres</button></div>' +
        field("gc-members", "Nombre de membres", d.members) +
        field("gc-alloc", "MonA par membre et par mois (1 MonA = 1 €)", fr(d.allocation_mona)) +
        "<fieldset><legend>Membres et cotisations par quart de revenus</legend>" +
        '<p class="gc-note">Chaque membre choisit sa cotisation entre ' +
        esc(C.euros(d.contribution_min_eur)) + " et " + esc(C.euros(d.contribution_max_eur)) +
        " par mois. " + (d.contributions_illustrative ? "Les cotisations proposées ici sont " +
        "indicatives : mettez les vôtres." : "") + "</p>" +
        '<div class="gc-actions"><button type="button" id="gc-even">Un quart des membres ' +
        "dans chaque quart</button>" + (shares ? '<button type="button" id="gc-observed">' +
        "La répartition des membres d'aujourd'hui</button>" : "") + "</div>" +
        (shares ? "" : '<p class="gc-note">La répartition observée des membres n\'est pas ' +
          "montrée : un quart de revenus compte moins de " + num(d.min_members) +
          " membres (secret statistique).</p>") +
        QUARTS.map(function (q, i) {
          return '<div class="gc-quart"><p class="gc-quart-name">' + q + "</p>" +
            field("gc-share-" + i, "Part des membres (%)", "25") +
            field("gc-contrib-" + i, "Cotisation (€ par mois)",
                  fr(d.contribution_by_quartile_eur[i])) + "</div>";
        }).join("") + "</fieldset>" +
        field("gc-topup", "Abondement de l'État (% des cotisations)",
              fr(Number(d.topup_share) * 100, 0), "En phase 2, l'État ajoute 50 % des " +
              "cotisations ; 0 s'il n'y en a pas.") +
        "<fieldset><legend>Financements déjà promis (€ par an)</legend><div id=\"gc-pledges\">" +
        "</div>" + '<div class="gc-field"><label for="gc-p-name">Financeur</label>' +
        '<input id="gc-p-name" placeholder="par exemple : Métropole"></div>' +
        field("gc-p-amount", "Montant par an (€)", "") +
        '<button type="button" id="gc-p-add">Ajouter ce financement</button></fieldset>' +
        '<p class="gc-error" role="alert" id="gc-error"></p>' +
        '<button type="button" class="gc-primary gc-wide" id="gc-compute">Calculer</button>' +
      "</section>" +
      '<section class="gc-card" aria-labelledby="gc-h-result" id="gc-result-card" hidden>' +
        '<h2 id="gc-h-result">Ce que coûte le scénario</h2><div id="gc-result"></div>' +
        '<div class="gc-field"><label for="gc-name">Nom du scénario</label><input id="gc-name" ' +
        'placeholder="par exemple : 800 membres avec l\'État"></div>' +
        '<button type="button" class="gc-primary" id="gc-save">Enregistrer le scénario</button>' +
        '<p class="gc-error" role="alert" id="gc-save-error"></p></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-saved"><h2 id="gc-h-saved">Scénarios ' +
        'enregistrés</h2><div id="gc-saved"></div></section>' +
      '<p><button type="button" id="gc-logout">Se déconnecter</button></p>';
    panel.querySelectorAll("[data-members]").forEach(function (b) {
      b.addEventListener("click", function () { el("gc-members").value = b.dataset.members; });
    });
    el("gc-even").addEventListener("click", function () { setShares([0.25, 0.25, 0.25, 0.25]); });
    if (el("gc-observed")) {
      el("gc-observed").addEventListener("click", function () { setShares(shares); });
    }
    el("gc-p-add").addEventListener("click", addPledge);
    el("gc-compute").addEventListener("click", compute);
    el("gc-save").addEventListener("click", saveIt);
    el("gc-logout").addEventListener("click", s.logout);
    drawPledges();
  }
  function actual(b) {
    if (!b) { return "<p>Le registre n'est pas lisible avec ce compte.</p>"; }
    var rows = [["Cotisations reçues", C.euros(b.contributions_eur)],
                ["Financements reçus", C.euros(Object.keys(b.funding_eur).reduce(function (t, k) {
                  return t + Number(b.funding_eur[k]); }, 0))],
                ["MonA émises", C.mona(b.mona_issued)],
                ["Membres actifs", num(b.members_active)]];
    return "<table><tbody>" + rows.map(function (r) {
      return "<tr><th scope='row'>" + r[0] + "</th><td class='num'>" + esc(r[1]) + "</td></tr>";
    }).join("") + "</tbody></table>";
  }
  function setShares(list) {
    list.forEach(function (v, i) { el("gc-share-" + i).value = fr(Number(v) * 100, 1); });
  }
  function drawPledges() {
    el("gc-pledges").innerHTML = pledges.length ? "<ul>" + pledges.map(function (p, i) {
      return "<li>" + esc(p.name) + " : " + esc(C.euros(p.yearly_eur)) + ' <button type="button" ' +
        'data-drop="' + i + '">Retirer</button></li>'; }).join("") + "</ul>"
      : "<p>Aucun pour l'instant.</p>";
    el("gc-pledges").querySelectorAll("[data-drop]").forEach(function (b) {
      b.addEventListener("click", function () {
        pledges.splice(Number(b.dataset.drop), 1); drawPledges(); });
    });
  }
  function addPledge() {
    var name = el("gc-p-name").value.trim(), a = amount(el("gc-p-amount").value);
    if (!name || a === null) {
      el("gc-error").textContent = "Donnez le nom du financeur et un montant par an (par exemple 50 000).";
      return;
    }
    el("gc-error").textContent = "";
    pledges.push({name: name, yearly_eur: a});
    el("gc-p-name").value = ""; el("gc-p-amount").value = "";
    drawPledges();
  }
  function read() {
    var problems = [], members = el("gc-members").value.replace(/\s/g, "");
    if (!/^\d{1,7}$/.test(members) || Number(members) < 1) {
      problems.push("le nombre de membres (un nombre entier)"); }
    var alloc = amount(el("gc-alloc").value);
    if (alloc === null || Number(alloc) <= 0) { problems.push("les MonA par membre"); }
    var shares = [], contribs = [], total = 0;
    for (var i = 0; i < 4; i++) {
      var sh = amount(el("gc-share-" + i).value), co = amount(el("gc-contrib-" + i).value);
      if (sh === null) { problems.push("la part du " + (i + 1) + (i ? "e" : "er") + " quart"); }
      if (co === null) { problems.push("la cotisation du " + (i + 1) + (i ? "e" : "er") + " quart"); }
      shares.push(sh === null ? 0 : Number(sh) / 100); contribs.push(co || "0");
      total += sh === null ? 0 : Number(sh);
    }
    if (Math.abs(total - 100) > 0.1) {
      problems.push("les parts des quarts, qui doivent faire 100 % (ici " + fr(total, 1) + " %)"); }
    var topup = amount(el("gc-topup").value);
    if (topup === null) { problems.push("l'abondement de l'État"); }
    if (problems.length) { throw new Error("Vérifiez " + problems.join(", ") + "."); }
    // the last share takes the rounding, so that they add up exactly
    var rounded = shares.map(function (x) { return Math.round(x * 10000) / 10000; });
    rounded[3] = Math.round((1 - rounded[0] - rounded[1] - rounded[2]) * 10000) / 10000;
    return {members: Number(members), allocation_mona: alloc,
            quartile_shares: rounded.map(String), contribution_by_quartile_eur: contribs,
            topup_share: String(Math.round(Number(topup) * 100) / 10000), pledged: pledges};
  }
  function bar(p) {
    var x = 0, parts = p.shares.map(function (sh, i) {
      var w = Number(sh.share) * 100, last = i === p.shares.length - 1;
      var rect = '<rect x="' + x + '%" y="0" width="' + w + '%" height="36" fill="' +
        (last ? "url(#gc-hatch)" : COLOURS[i % COLOURS.length]) + '"></rect>';
      x += w; return rect;
    }).join("");
    return '<svg class="gc-bar" role="img" aria-labelledby="gc-bar-title" width="100%" ' +
      'height="36" preserveAspectRatio="none"><title id="gc-bar-title">Qui finance les MonA ' +
      "émises</title><defs><pattern id=\"gc-hatch\" width=\"8\" height=\"8\" patternUnits=" +
      '"userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#f5f5f4">' +
      '</rect><line x1="0" y1="0" x2="0" y2="8" stroke="#b91c1c" stroke-width="3"></line>' +
      "</pattern></defs>" + parts + "</svg>" +
      '<ul class="gc-bar-legend">' + p.shares.map(function (sh, i) {
        var last = i === p.shares.length - 1;
        return '<li><i style="background:' + (last ? "repeating-linear-gradient(45deg,#b91c1c 0 3px,#f5f5f4 3px 7px)"
          : COLOURS[i % COLOURS.length]) + '"></i>' + esc(sh.funder) + " : " +
          esc(C.pct(sh.share, 1)) + "</li>"; }).join("") + "</ul>";
  }
  function result(p, sc) {
    var rows = [["MonA émises par mois", C.euros(p.monthly_issued_eur)],
                ["MonA émises par an", C.euros(p.yearly_issued_eur)],
                ["Cotisation moyenne par membre et par mois", C.euros(p.mean_contribution_eur)],
                ["Cotisations par an", C.euros(p.yearly_contributions_eur)],
                ["Abondement de l'État par an", C.euros(p.yearly_topup_eur)],
                ["Financements promis par an", C.euros(p.yearly_pledged_eur)]];
    var gap = Number(p.gap_eur) > 0;
    return "<table><tbody>" + rows.map(function (r) {
        return "<tr><th scope='row'>" + r[0] + "</th><td class='num'>" + esc(r[1]) + "</td></tr>";
      }).join("") + "<tr class='gc-gap'><th scope='row'>" + (gap ? "Reste à financer par an" :
      "Excédent par an") + "</th><td class='num' id='gc-gap'>" +
      esc(C.euros(gap ? p.gap_eur : p.surplus_eur)) + "</td></tr></tbody></table>" +
      "<h3>Qui finance</h3>" + bar(p) +
      "<p>Budget de référence : " + esc(C.euros(p.reference_budget_eur)) + " (" +
      esc(p.reference_label) + "). Ce scénario émet " + esc(num(p.vs_reference, "", 2)) +
      " fois ce budget.</p>" +
      "<p class='gc-note'>" + esc(num(sc.members)) + " membres × " + esc(C.mona(sc.allocation_mona)) +
      " × 12 mois ; l'abondement de l'État est une part des cotisations.</p>";
  }
  function compute() {
    var sc;
    el("gc-error").textContent = "";
    try { sc = read(); } catch (err) { el("gc-error").textContent = err.message; return; }
    status.textContent = "Calcul…";
    send("/budget/plan", sc).then(function (p) {
      last = sc;
      el("gc-result").innerHTML = result(p, sc);
      el("gc-result-card").hidden = false;
      status.textContent = Number(p.gap_eur) > 0 ? "Reste à financer : " + C.euros(p.gap_eur) +
        " par an" : "Le scénario est financé";
      el("gc-result-card").scrollIntoView({block: "start"});
    }).catch(function (err) { el("gc-error").textContent = err.message; status.textContent = ""; });
  }
  function saveIt() {
    var name = el("gc-name").value.trim();
    if (!name) { el("gc-save-error").textContent = "Donnez un nom au scénario."; return; }
    el("gc-save-error").textContent = "";
    var body = {name: name, scenario: last};
    var again = loaded && loaded.name === name;
    send("/budget/scenarios" + (again ? "/" + loaded.id : ""), body, again ? "PUT" : "POST")
      .then(function (out) {
        loaded = out;
        return savedList().then(function () {
          status.textContent = "Scénario « " + out.name + " » enregistré";
        });
      }).catch(function (err) { el("gc-save-error").textContent = err.message; });
  }
  function savedList() {
    return s.api("/budget/scenarios").then(function (list) {
      el("gc-saved").innerHTML = list.length ? "<ul class='gc-list'>" + list.map(function (x) {
        return "<li><strong>" + esc(x.name) + "</strong> — " + esc(num(x.params.members)) +
          " membres, reste à financer " + esc(C.euros(x.plan.gap_eur)) + " par an <small>(" +
          esc(x.saved_by) + ", " + esc(C.when(x.saved_at)) + ")</small><div class='gc-actions'>" +
          '<button type="button" data-load="' + x.id + '">Reprendre</button>' +
          '<button type="button" data-file="csv" data-id="' + x.id + '">Tableur (CSV)</button>' +
          '<button type="button" data-file="pdf" data-id="' + x.id + '">Imprimer (PDF)</button>' +
          '<button type="button" data-del="' + x.id + '">Supprimer</button></div></li>';
      }).join("") + "</ul>" : "<p>Aucun scénario enregistré.</p>";
      el("gc-saved").querySelectorAll("[data-load]").forEach(function (b) {
        b.addEventListener("click", function () {
          var x = list.filter(function (y) { return y.id === Number(b.dataset.load); })[0];
          fill(x);
        });
      });
      el("gc-saved").querySelectorAll("[data-file]").forEach(function (b) {
        b.addEventListener("click", function () { fetchFile(b.dataset.id, b.dataset.file); });
      });
      el("gc-saved").querySelectorAll("[data-del]").forEach(function (b) {
        b.addEventListener("click", function () {
          var token = sessionStorage.getItem("gc-token");
          fetch(cfg.api + "/budget/scenarios/" + b.dataset.del, {method: "DELETE",
                headers: {Authorization: "Bearer " + token}}).then(function (r) {
            if (!r.ok) { throw new Error("Le scénario n'a pas pu être supprimé."); }
            status.textContent = "Scénario supprimé";
            return savedList();
          }).catch(function (err) { status.textContent = err.message; });
        });
      });
    });
  }
  /* a file behind the login: fetched with the token, offered as a link to save */
  function fetchFile(id, kind) {
    var token = sessionStorage.getItem("gc-token");
    fetch(cfg.api + "/budget/scenarios/" + id + "/" + kind,
          {headers: {Authorization: "Bearer " + token}}).then(function (r) {
      if (!r.ok) { throw new Error("Le fichier n'a pas pu être préparé."); }
      return r.blob();
    }).then(function (blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "scenario-" + id + "." + kind;
      a.id = "gc-file-" + kind;
      a.textContent = kind === "pdf" ? "Enregistrer le PDF" : "Enregistrer le tableur";
      var old = el("gc-file-" + kind);
      if (old) { old.parentNode.remove(); }
      var line = document.createElement("p");
      line.appendChild(a);
      el("gc-saved").appendChild(line);
      a.click();
      status.textContent = kind === "pdf" ? "PDF prêt" : "Tableur prêt";
    }).catch(function (err) { status.textContent = err.message; });
  }
  function fill(x) {
    var p = x.params;
    loaded = x;
    el("gc-members").value = p.members;
    el("gc-alloc").value = fr(p.allocation_mona);
    p.quartile_shares.forEach(function (v, i) { el("gc-share-" + i).value = fr(Number(v) * 100, 2); });
    p.contribution_by_quartile_eur.forEach(function (v, i) { el("gc-contrib-" + i).value = fr(v); });
    el("gc-topup").value = fr(Number(p.topup_share) * 100, 2);
    pledges = (p.pledged || []).map(function (q) { return {name: q.name, yearly_eur: q.yearly_eur}; });
    drawPledges();
    el("gc-name").value = x.name;
    compute();
  }
  function start() {
    status.textContent = "Chargement…";
    Promise.all([s.api("/budget/planner"), s.api("/budget").catch(function () { return null; })])
      .then(function (got) {
        d = got[0];
        layout(got[1]);
        return savedList();
      }).then(function () {
        status.textContent = "Budget de la caisse";
        document.body.setAttribute("data-gc-ready", "1");
      }).catch(function (err) { status.textContent = err.message; });
  }
})();
