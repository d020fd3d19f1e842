/* geo_caisse recruitment page: strata coverage, then the k best places for recruitment
   stands (exact or interactive), drawn with the cells they reach and why. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc, num = C.num;
  var map = window[cfg.map];
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var drawn = null;
  var TERMS = {desert_low_income: "personnes modestes en désert alimentaire",
               under_represented: "personnes des strates sous-représentées",
               spare_capacity: "personnes près de conventionnés peu fréquentés"};
  var s = C.session(cfg, status, start);
  /* a targeting over the server's budget: the interactive answer while the exact one is
     computed (exact_pending), or a 503 while the walks are built; asked again a few times */
  var RETRY_MS = 3000, RETRIES = 40, retryTimer = null, retries = 0;
  function retryLater() {
    if (retries >= RETRIES) { return false; }
    retries += 1;
    retryTimer = setTimeout(function () { retryTimer = null; target(true); }, RETRY_MS);
    return true;
  }

  function coverageTable(cov) {
    return "<h2>Couverture des strates</h2><table><tr><th>Strate</th><th class='num'>" +
      "Population</th><th class='num'>Membres</th><th class='num'>En attente</th></tr>" +
      cov.strata.map(function (r) {
        var label = C.stratum(r.stratum) + (r.under_represented ? " ⚠" : "");
        return "<tr><td>" + esc(label) + "</td><td class='num'>" + C.pct(r.population_share) +
          "</td><td class='num'>" + (r.member_share == null ? C.secret : C.pct(r.member_share)) +
          "</td><td class='num'>" + num(r.waiting) + "</td></tr>";
      }).join("") + "</table>" +
      cov.strata.filter(function (r) { return r.where_they_live; }).map(function (r) {
        return "<p class='gc-note'>À mobiliser, " + esc(C.stratum(r.stratum)) + " : " +
          r.where_they_live.map(function (p) { return esc(p.name); }).join(", ") + "</p>";
      }).join("") +
      "<p class='gc-note'>⚠ strate sous-représentée. Comptes de moins de " +
      C.num(cov.min_members_per_cell) + " masqués (secret statistique).</p>";
  }
  function target(again) {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    if (!again) { retries = 0; }
    var q = ["k", "reach_min", "mode", "desert_low_income", "under_represented",
             "spare_capacity"].map(function (id) {
      return id + "=" + encodeURIComponent(document.getElementById("gc-" + id).value);
    }).join("&");
    if (!again) { status.textContent = "Calcul…"; }
    s.api("/targeting?" + q).then(function (out) {
      if (drawn) { map.removeLayer(drawn); }
      var max = Math.max.apply(null, out.cells.features.map(function (f) {
        return f.properties.value; }).concat([1]));
      drawn = L.featureGroup([
        L.geoJSON(out.cells, {style: function (f) {
          return {color: "#7c3aed", weight: 0.3, fillColor: "#7c3aed",
                  fillOpacity: 0.15 + 0.5 * f.properties.value / max};
        }, onEachFeature: function (f, l) {
          l.bindPopup(num(f.properties.people) + " habitants (estimation)");
        }})
      ]);
      out.sites.forEach(function (site, i) {
        var m = L.marker([site.site.lat, site.site.lon], {title: (i + 1) + ". " + site.site.name,
          icon: L.divIcon({className: "gc-rank", html: String(i + 1)})});
        m.bindPopup("<b>" + esc(site.site.name) + "</b><br>" + num(site.people_reached) +
                    " habitants à " + C.minutes(out.reach_min));
        drawn.addLayer(m);
      });
      drawn.addTo(map);
      if (out.sites.length) { map.fitBounds(drawn.getBounds(), {padding: [30, 30]}); }
      var missingTerms = Object.keys(TERMS).filter(function (t) {
        return out.terms_total[t] == null; }).map(function (t) { return TERMS[t]; });
      document.getElementById("gc-result").innerHTML =
        "<h2>" + out.k + " lieux de recrutement</h2><p class='gc-note'>" +
        (out.method === "exact" ? "Optimum exact" : "Mode interactif (écart à l'optimum " +
         "garanti ≤ " + C.pct(out.gap, 1) + ")") +
        (out.exact_pending ? ", en attendant l'optimum exact (en calcul)" : "") +
        " en " + C.num(out.seconds * 1000) +
        " ms · " + C.num(out.instance.cells) + " carreaux × " + C.num(out.instance.sites) +
        " lieux</p>" + (missingTerms.length ? "<p class='gc-note'>Non calculé pour ce " +
        "territoire, faute de données : " + missingTerms.join(", ") + ".</p>" : "") + "<ol>" +
        out.sites.map(function (site) {
          return "<li><b>" + esc(site.site.name) + "</b> : " + num(site.people_reached) +
            " habitants de plus à " + C.minutes(out.reach_min) + "<br><small>" +
            Object.keys(TERMS).filter(function (t) { return site.terms[t] != null; })
              .map(function (t) { return num(site.terms[t]) + " " + TERMS[t]; }).join(" · ") +
            "<br>" + C.mona(site.mona_per_month.total) + " par mois pour " +
            num(site.mona_per_month.assumed_new_members) + " nouveaux membres, vers " +
            site.mona_per_month.to.map(function (c) { return esc(c.name) + " (" +
              C.mona(c.mona) + ")"; }).join(", ") + "</small></li>";
        }).join("") + "</ol><p class='gc-note'>Habitants : estimations du recensement " +
        "réparties sur les adresses.</p>";
      status.textContent = "Objectif : " + num(out.objective) + " personnes pondérées" +
        (out.exact_pending && retryLater() ? " · optimum exact en calcul…" : "");
    }).catch(function (err) {
      if (err.status === 503 && retryLater()) {
        status.textContent = "Calcul en cours (les trajets à pied de chaque lieu)…";
        return;
      }
      // said where the person looks (under the button), not only in the status line; the
      // places of an earlier answer are taken off the map
      if (drawn) { map.removeLayer(drawn); drawn = null; }
      status.textContent = err.message;
      document.getElementById("gc-result").innerHTML = "<p class='gc-error'>" +
        esc(err.message) + "</p>";
    });
  }
  function field(id, label, value, attrs) {
    return "<label for='gc-" + id + "'>" + label + "</label><input id='gc-" + id + "' value='" +
           value + "' " + attrs + ">";
  }
  function start() {
    panel.innerHTML = "<button id='gc-logout' type='button'>Se déconnecter</button>" +
      "<div id='gc-coverage'></div><h2>Cibler le recrutement</h2><form id='gc-target'>" +
      field("k", "Nombre de lieux", 5, "type='number' min='1' max='50'") +
      field("reach_min", "À pied (minutes)", 10, "type='number' min='1' max='30'") +
      "<label for='gc-mode'>Calcul</label><select id='gc-mode'><option value='exact'>exact" +
      "</option><option value='interactive'>interactif</option></select>" +
      field("desert_low_income", "Poids : déserts alimentaires", 1, "type='number' min='0' max='100' step='0.1'") +
      field("under_represented", "Poids : strates sous-représentées", 1, "type='number' min='0' max='100' step='0.1'") +
      field("spare_capacity", "Poids : conventionnés peu fréquentés", 1, "type='number' min='0' max='100' step='0.1'") +
      "<button type='submit'>Calculer</button></form><div id='gc-result'></div>";
    document.getElementById("gc-logout").addEventListener("click", s.logout);
    document.getElementById("gc-target").addEventListener("submit", function (e) {
      e.preventDefault(); target();
    });
    var strata = s.api("/enrolment/coverage").then(function (cov) {
      document.getElementById("gc-coverage").innerHTML = coverageTable(cov);
      return s.api("/enrolment/coverage/areas").then(drawAreas);
    }, function (err) {
      if (!missing(err)) { throw err; }
      document.getElementById("gc-coverage").innerHTML = "<h2>Couverture des strates</h2>" +
        "<p>Non calculée : la population par strate n'est pas fournie pour ce territoire.</p>";
      unavailable("under_represented", "Non calculé : population par strate non fournie " +
                  "pour ce territoire (poids mis à 0).");
    });
    var income = s.api("/deserts/summary").then(function (d) {
      if (d.low_income && d.low_income.available === false) {
        unavailable("desert_low_income", "Non calculé : revenus non fournis pour ce " +
                    "territoire (poids mis à 0).");
      }
    }, function () { return null; });   // no walking network: the targeting says so
    Promise.all([strata, income]).then(target)
      .catch(function (err) { status.textContent = err.message; });
  }
  function missing(err) { return err && err.body && err.body.error === "MissingInputError"; }
  /* a term the territory lacks the input for: its weight 0, and why beside the field */
  function unavailable(id, text) {
    var input = document.getElementById("gc-" + id), note = document.createElement("p");
    input.value = 0;
    note.id = "gc-" + id + "-note"; note.className = "gc-note"; note.textContent = text;
    input.insertAdjacentElement("afterend", note);
    input.setAttribute("aria-describedby", note.id);
  }
  function drawAreas(areas) {
    var max = Math.max.apply(null, areas.features.map(function (f) {
      return f.properties.under_represented_adults; }).concat([1]));
    L.geoJSON(areas, {style: function (f) {
      return {color: "#475569", weight: 0.6, fillColor: "#f59e0b",
              fillOpacity: 0.6 * f.properties.under_represented_adults / max};
    }, onEachFeature: function (f, l) {
      l.bindPopup("<b>" + esc(f.properties.name) + "</b><br>" +
                  num(f.properties.under_represented_adults) +
                  " adultes des strates sous-représentées (estimation)");
    }}).addTo(map);
  }
  map.fitBounds(cfg.bounds);
})();
