/* geo_caisse coordinators' Mona map: heatmaps and flows (reads the API with a login token). */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc;
  var map = window[cfg.map];
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var BREAKS = [0.5, 1, 2, 4];   // x the median area, for a readable legend
  var COLORS = ["#f7fcf5", "#c7e9c0", "#74c476", "#31a354", "#006d2c"];
  var layers = {home: null, spend: null, lines: null};
  var session = C.session(cfg, status, start), api = session.api, logout = session.logout;

  function mona(v) { return C.num(v, "MonA"); }
  function pct(x) { return x == null ? "—" : Math.round(x * 100) + " %"; }
  function scale(values) {
    var known = values.filter(function (v) { return v != null; }).sort(function (a, b) { return a - b; });
    var median = known.length ? known[Math.floor(known.length / 2)] : 1;
    return function (v) {
      if (v == null) { return "#cbd5e1"; }
      for (var i = 0; i < BREAKS.length; i++) { if (v < BREAKS[i] * median) { return COLORS[i]; } }
      return COLORS[COLORS.length - 1];
    };
  }
  function choropleth(fc, what) {
    var colour = scale(fc.features.map(function (f) {
      return f.properties.mona == null ? null : Number(f.properties.mona); }));
    return L.geoJSON(fc, {
      style: function (f) {
        var p = f.properties;
        return {color: "#334155", weight: 0.6, fillOpacity: p.suppressed ? 0.35 : 0.7,
                fillColor: colour(p.mona == null ? null : Number(p.mona)),
                dashArray: p.suppressed ? "3" : null};
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindPopup("<b>" + esc(what) + "</b><br>" + mona(p.mona) +
                    (p.members != null ? "<br>" + p.members + " membres" : "") +
                    (p.residents != null ? "<br>zone de " + p.residents + " membres" : "") +
                    "<br><small>" + esc(p.cell) + "</small>");
      }
    });
  }
  function flowLines(fc) {
    var max = Math.max.apply(null, fc.features.map(function (f) { return Number(f.properties.mona); }).concat([1]));
    return L.geoJSON(fc, {
      style: function (f) {
        return {color: "#b45309", opacity: 0.75,
                weight: 1 + 9 * Number(f.properties.mona) / max};
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindPopup("vers <b>" + esc(p.to) + "</b><br>" + mona(p.mona) + "<br>" +
                    p.members + " membres");
      }
    });
  }
  function draw(period) {
    var year = period.slice(0, 4);
    status.textContent = "Chargement…";
    Object.keys(layers).forEach(function (k) { if (layers[k]) { map.removeLayer(layers[k]); } });
    return Promise.all([
      api("/flows/heatmap?period=" + period),
      api("/flows/spend?year=" + year),
      api("/flows/lines?year=" + year + "&by=market"),
      api("/flows/summary?period=" + period),
      api("/budget")
    ]).then(function (all) {
      layers.home = choropleth(all[0], "Dépensé par les membres qui habitent ici");
      layers.spend = choropleth(all[1], "Reçu par les points de vente de la zone");
      layers.lines = flowLines(all[2]);
      var show = document.getElementById("gc-layer").value;
      layers[show].addTo(map);
      if (show !== "lines") { layers.lines.addTo(map); }
      summary(all[3], all[4], all[0], all[2]);
      status.textContent = (all[0].synthetic ? "Données SYNTHÉTIQUES (simulation) — " : "") +
        "chaque chiffre regroupe au moins " + all[0].min_members + " membres";
    }).catch(function (err) { status.textContent = "Erreur : " + err.message; });
  }
  function summary(s, budget, heat, lines) {
    var c = s.centre, p = s.producers;
    var markets = lines.destinations.filter(function (d) { return d.total.mona != null && Number(d.total.mona) > 0; })
      .sort(function (a, b) { return Number(b.total.mona) - Number(a.total.mona); });
    document.getElementById("gc-summary").innerHTML =
      "<h2>Où va la MonA (" + esc(s.period) + ")</h2><table>" +
      "<tr><td>Centre-ville</td><td class='num'>" + mona(c.centre.mona) + "</td><td class='num'>" + pct(c.centre.share) + "</td></tr>" +
      "<tr><td>Ailleurs</td><td class='num'>" + mona(c.elsewhere.mona) + "</td><td class='num'>" + pct(c.elsewhere.share) + "</td></tr>" +
      "<tr><td>Producteurs et étals</td><td class='num'>" + mona(p.producers.mona) + "</td><td class='num'>" + pct(p.producers.share) + "</td></tr>" +
      "<tr><td>Commerces</td><td class='num'>" + mona(p.shops.mona) + "</td><td class='num'>" + pct(p.shops.share) + "</td></tr></table>" +
      "<h2>Marchés (" + esc(lines.year) + ")</h2><table>" + markets.map(function (d) {
        return "<tr><td>" + esc(d.name) + "</td><td class='num'>" + mona(d.total.mona) +
               "</td><td class='num'>" + d.total.members + " membres</td></tr>"; }).join("") +
      "</table><h2>Budget</h2><table>" +
      "<tr><td>Cotisations</td><td class='num'>" + esc(budget.contributions_eur) + " €</td></tr>" +
      "<tr><td>Trésorerie</td><td class='num'>" + esc(budget.treasury_eur) + " €</td></tr>" +
      "<tr><td>MonA émises</td><td class='num'>" + esc(budget.mona_issued) + "</td></tr>" +
      "<tr><td>MonA reconverties</td><td class='num'>" + esc(budget.mona_reconverted) + "</td></tr></table>" +
      "<p class='gc-note'>Zones grises hachurées : moins de " + heat.min_members +
      " membres, chiffre masqué (secret statistique).</p>";
  }
  function start() {
    panel.innerHTML = "<label>Période <select id='gc-period'></select></label>" +
      "<label>Couche <select id='gc-layer'><option value='home'>Lieu de vie des membres</option>" +
      "<option value='spend'>Lieu de dépense</option><option value='lines'>Flux vers les marchés</option>" +
      "</select></label><button id='gc-logout' type='button'>Se déconnecter</button>" +
      "<div id='gc-summary'></div>";
    document.getElementById("gc-logout").addEventListener("click", logout);
    api("/flows/summary").then(function (s) {
      var sel = document.getElementById("gc-period");
      s.years.concat(s.months).forEach(function (p) {
        var o = document.createElement("option"); o.value = p; o.textContent = p; sel.appendChild(o);
      });
      sel.value = s.period;
      sel.addEventListener("change", function () { draw(sel.value); });
      document.getElementById("gc-layer").addEventListener("change", function () { draw(sel.value); });
      return draw(s.period);
    }).catch(function (err) { status.textContent = "Erreur : " + err.message; });
  }
  C.background(map, cfg);
})();
