/* geo_caisse coordinators' treasury: the month's MonA for every active member (exactly once
   each), the vendors' reconversion requests to approve (the ledger then posts them) or
   refuse, and the caisse's budget since the start. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc;
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var s = C.session(cfg, status, start);
  var STATES = {pending: "en attente", approved: "acceptée", refused: "refusée"};
  function el(id) { return document.getElementById(id); }
  function ym(d) { return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2); }

  function layout() {
    var now = new Date(), before = new Date(now.getFullYear(), now.getMonth() - 1, 1);
    panel.innerHTML =
      '<section class="gc-card" aria-labelledby="gc-h-alloc"><h2 id="gc-h-alloc">Allocation ' +
        "du mois</h2><p>Chaque membre actif reçoit " + esc(C.mona(cfg.allocation)) + " une " +
        "fois par mois ; relancer ne crédite personne deux fois.</p>" +
        '<div class="gc-field"><label for="gc-month">Mois</label><select id="gc-month">' +
        [now, before].map(function (d) { return '<option value="' + ym(d) + '">' +
          esc(C.month(ym(d))) + "</option>"; }).join("") + "</select></div>" +
        '<button type="button" class="gc-primary" id="gc-allocate">Créditer les MonA du mois' +
        '</button><p id="gc-alloc-result" aria-live="polite"></p></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-pending"><h2 id="gc-h-pending">' +
        'Reconversions à décider</h2><div id="gc-pending"></div></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-budget"><h2 id="gc-h-budget">Budget ' +
        'depuis le début</h2><div id="gc-budget"></div></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-done"><h2 id="gc-h-done">Reconversions ' +
        'décidées</h2><div id="gc-decided"></div></section>' +
      '<p><button type="button" id="gc-logout">Se déconnecter</button></p>';
    el("gc-logout").addEventListener("click", s.logout);
    el("gc-allocate").addEventListener("click", function () {
      var month = el("gc-month").value;
      s.api("/allocations", {method: "POST", headers: {"Content-Type": "application/json"},
                             body: JSON.stringify({month: month})}).then(function (r) {
        el("gc-alloc-result").textContent = C.month(r.month) + " : " + C.num(r.credited) +
          (r.credited > 1 ? " membres crédités" : " membre crédité") + " de " +
          C.mona(r.mona_each) + (r.already ? " ; " + C.num(r.already) + " l'étaient déjà" : "") +
          ".";
        return budget();
      }).catch(function (err) { el("gc-alloc-result").textContent = err.message; });
    });
  }
  function requests() {
    return Promise.all([s.api("/reconversions?status=pending"),
                        s.api("/reconversions?status=all")]).then(function (got) {
      var pending = got[0], decided = got[1].filter(function (r) { return r.status !== "pending"; });
      el("gc-pending").innerHTML = pending.length ? pending.map(function (r) {
        return '<article class="gc-request" data-id="' + r.id + '"><p><strong>' +
          esc(r.point_of_sale_name) + "</strong> : " + esc(C.mona(r.amount_mona)) + " → " +
          esc(C.euros(r.amount_mona)) + "<br><small>demandée le " + esc(C.when(r.requested_at)) +
          " par " + esc(r.requested_by) + '</small></p><div class="gc-field"><label for="gc-note-' +
          r.id + '">Note pour le point de vente (facultatif)</label><input id="gc-note-' + r.id +
          '" maxlength="1000"></div><div class="gc-actions"><button type="button" ' +
          'class="gc-primary" data-act="approve">Accepter et payer</button><button ' +
          'type="button" data-act="refuse">Refuser</button></div></article>';
      }).join("") : "<p>Aucune demande en attente.</p>";
      el("gc-pending").querySelectorAll("article").forEach(function (a) {
        var id = a.getAttribute("data-id");
        a.querySelectorAll("button").forEach(function (b) {
          b.addEventListener("click", function () {
            var note = el("gc-note-" + id).value.trim() || null;
            s.api("/reconversions/" + id + "/" + b.getAttribute("data-act"), {method: "POST",
              headers: {"Content-Type": "application/json"}, body: JSON.stringify({note: note})})
              .then(function (r) {
                status.textContent = "Reconversion " + (r.status === "approved" ?
                  "acceptée : " + C.euros(r.amount_mona) + " payés" : "refusée");
                return Promise.all([requests(), budget()]);
              }).catch(function (err) { status.textContent = err.message; });
          });
        });
      });
      el("gc-decided").innerHTML = decided.length ? "<table><thead><tr><th>Point de vente" +
        "</th><th class='num'>MonA</th><th>Décision</th></tr></thead><tbody>" +
        decided.slice(0, 50).map(function (r) {
          return "<tr><td>" + esc(r.point_of_sale_name) + "</td><td class='num'>" +
            esc(C.mona(r.amount_mona).replace(" MonA", "")) + "</td><td>" +
            esc(STATES[r.status]) + " le " + esc(C.when(r.decided_at)) + " par " +
            esc(r.decided_by) + (r.note ? " : " + esc(r.note) : "") + "</td></tr>";
        }).join("") + "</tbody></table>" : "<p>Aucune pour l'instant.</p>";
    });
  }
  function budget() {
    return s.api("/budget").then(function (b) {
      var rows = [["Cotisations reçues", C.euros(b.contributions_eur)],
                  ["Trésorerie", C.euros(b.treasury_eur)],
                  ["Euros versés aux points de vente", C.euros(b.paid_out_eur)],
                  ["MonA émises", C.mona(b.mona_issued)],
                  ["MonA détenues par les membres", C.mona(b.mona_held_by_members)],
                  ["MonA détenues par les points de vente", C.mona(b.mona_held_by_vendors)],
                  ["MonA reconverties", C.mona(b.mona_reconverted)],
                  ["Membres actifs", C.num(b.members_active)]];
      el("gc-budget").innerHTML = '<table id="gc-budget-table"><tbody>' + rows.map(function (r) {
        return "<tr><td>" + esc(r[0]) + "</td><td class='num'>" + esc(r[1]) + "</td></tr>";
      }).join("") + "</tbody></table><p class='gc-note'>Les chiffres portant sur moins de " +
        C.num(b.min_members) + " membres sont masqués (secret statistique).</p>";
    });
  }
  function start() {
    layout();
    Promise.all([requests(), budget()]).then(function () {
      status.textContent = "Trésorerie de la caisse";
      document.body.setAttribute("data-gc-ready", "1");
    }).catch(function (err) { status.textContent = err.message; });
  }
})();
