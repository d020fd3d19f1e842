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

  var mona = C.mona;
  /* shares rounded to whole per cents by the largest remainder: shown together they make
     100 % (each one alone is rounded to the nearest) */
  function percents(shares) {
    if (shares.some(function (x) { return x == null; })) {
      return shares.map(function (x) { return x == null ? null : Math.round(x * 100); });
    }
    var raw = shares.map(function (x) { return x * 100; });
    var out = raw.map(Math.floor);
    var left = 100 - out.reduce(function (a, b) { return a + b; }, 0);
    raw.map(function (x, i) { return [x - Math.floor(x), i]; })
      .sort(function (a, b) { return b[0] - a[0]; }).slice(0, left)
      .forEach(function (pair) { out[pair[1]] += 1; });
    return out;
  }
  function pct(n) { return n == null ? C.secret : n + " %"; }
  var lastMedian = 1;
  function scale(values) {
    var known = values.filter(function (v) { return v != null; }).sort(function (a, b) { return a - b; });
    var median = known.length ? known[Math.floor(known.length / 2)] : 1;
    lastMedian = median;
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
                    (p.members != null ? "<br>" + C.num(p.members) + " membres" : "") +
                    (p.residents != null ? "<br>zone de " + C.num(p.residents) + " membres" : ""));
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
                    C.num(p.members) + " membres");
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
      legend(show === "lines" ? null : show === "home" ? all[0] : all[1]);
      status.textContent = (all[0].synthetic ? "Données SYNTHÉTIQUES (simulation) — " : "") +
        "chaque chiffre regroupe au moins " + all[0].min_members + " membres";
    }).catch(function (err) { status.textContent = err.message; });
  }
  function legend(fc) {
    var box = document.getElementById("gc-legend");
    if (!fc) {
      box.innerHTML = "<h2>Légende</h2><p><i style='background:#b45309'></i>Flux des lieux de " +
        "vie vers les marchés : l'épaisseur suit les MonA dépensées.</p>";
      return;
    }
    scale(fc.features.map(function (f) {
      return f.properties.mona == null ? null : Number(f.properties.mona); }));
    var rows = COLORS.map(function (c, i) {
      var lo = i === 0 ? 0 : BREAKS[i - 1] * lastMedian, hi = BREAKS[i] ? BREAKS[i] * lastMedian : null;
      return "<p><i style='background:" + c + "'></i>" + (hi == null ? "plus de " + mona(Math.round(lo))
        : (i === 0 ? "moins de " + mona(Math.round(hi)) : "de " + mona(Math.round(lo)) + " à " +
           mona(Math.round(hi)))) + "</p>";
    }).join("");
    box.innerHTML = "<h2>Légende (MonA par zone)</h2>" + rows +
      "<p><i class='gc-hatched'></i>" + C.secret + " : moins de " + C.num(fc.min_members) +
      " membres, chiffre masqué</p>";
  }
  function summary(s, budget, heat, lines) {
    var c = s.centre, p = s.producers;
    var cs = percents([c.centre.share, c.elsewhere.share]);
    var ps = percents([p.producers.share, p.shops.share]);
    var markets = lines.destinations.filter(function (d) { return d.total.mona != null && Number(d.total.mona) > 0; })
      .sort(function (a, b) { return Number(b.total.mona) - Number(a.total.mona); });
    document.getElementById("gc-summary").innerHTML =
      "<h2>Où va la MonA (" + esc(periodText(s.period)) + ")</h2><table>" +
      "<tr><td>" + esc(cfg.centre_label) + "</td><td class='num'>" + mona(c.centre.mona) + "</td><td class='num'>" + pct(cs[0]) + "</td></tr>" +
      "<tr><td>Ailleurs</td><td class='num'>" + mona(c.elsewhere.mona) + "</td><td class='num'>" + pct(cs[1]) + "</td></tr>" +
      "<tr><td>Producteurs et étals</td><td class='num'>" + mona(p.producers.mona) + "</td><td class='num'>" + pct(ps[0]) + "</td></tr>" +
      "<tr><td>Commerces</td><td class='num'>" + mona(p.shops.mona) + "</td><td class='num'>" + pct(ps[1]) + "</td></tr></table>" +
      "<p class='gc-note'>Parts arrondies au pour cent par la méthode des plus forts restes : " +
      "chaque paire fait 100 %.</p>" +
      "<h2>Marchés (" + esc(lines.year) + ")</h2><table>" + markets.map(function (d) {
        return "<tr><td>" + esc(d.name) + "</td><td class='num'>" + mona(d.total.mona) +
               "</td><td class='num'>" + C.num(d.total.members) + " membres</td></tr>"; }).join("") +
      "</table><h2>Budget</h2><table>" +
      "<tr><td>Cotisations</td><td class='num'>" + C.euros(budget.contributions_eur) + "</td></tr>" +
      "<tr><td>Trésorerie</td><td class='num'>" + C.euros(budget.treasury_eur) + "</td></tr>" +
      "<tr><td>MonA émises</td><td class='num'>" + mona(budget.mona_issued) + "</td></tr>" +
      "<tr><td>MonA reconverties</td><td class='num'>" + mona(budget.mona_reconverted) + "</td></tr></table>" +
      "<p class='gc-note'>Zones hachurées : moins de " + C.num(heat.min_members) +
      " membres, chiffre masqué (secret statistique).</p>";
  }
  function periodText(p) { return p.length === 4 ? "année " + p : C.month(p); }
  function start() {
    panel.innerHTML = "<label for='gc-period'>Période</label><select id='gc-period'></select>" +
      "<label for='gc-layer'>Couche</label><select id='gc-layer'><option value='home'>Lieu de " +
      "vie des membres</option><option value='spend'>Lieu de dépense</option>" +
      "<option value='lines'>Flux vers les marchés</option></select>" +
      "<button id='gc-logout' type='button'>Se déconnecter</button>" +
      "<div id='gc-legend' class='gc-legend'></div><div id='gc-summary'></div>";
    document.getElementById("gc-logout").addEventListener("click", logout);
    api("/flows/summary").then(function (s) {
      var sel = document.getElementById("gc-period");
      s.years.concat(s.months).forEach(function (p) {
        var o = document.createElement("option"); o.value = p; o.textContent = periodText(p);
        sel.appendChild(o);
      });
      sel.value = s.period;
      sel.addEventListener("change", function () { draw(sel.value); });
      document.getElementById("gc-layer").addEventListener("change", function () { draw(sel.value); });
      return draw(s.period);
    }).catch(function (err) { status.textContent = err.message; });
  }
  map.fitBounds(cfg.bounds);
})();
