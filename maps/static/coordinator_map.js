/* geo_caisse coordinators' map: food deserts, what-if, candidates (reads the API). */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon;
  var map = window[cfg.map];
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var DAY_FR = {Mo: "lundi", Tu: "mardi", We: "mercredi", Th: "jeudi", Fr: "vendredi",
                Sa: "samedi", Su: "dimanche"};
  var SHARE_BREAKS = [0.1, 0.25, 0.5, 0.75];
  var SHARE_COLORS = ["#fff7ec", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000"];
  var TIME_BREAKS = [5, 10, 15, 20];
  var TIME_COLORS = ["#edf8fb", "#b3cde3", "#8c96c6", "#8856a7", "#810f7c"];
  var layer = null, conventionnes = null, simulated = null, fitted = false;

  var esc = C.esc, json = C.json;
  function fmt(n) { return n == null ? "—" : C.num(n); }
  function pct(x) { return x == null ? "—" : C.pct(x); }
  function mins(v) { return v == null ? "—" : C.minutes(v); }
  function params() {
    var q = ["threshold_min=" + encodeURIComponent(val("gc-threshold"))];
    if (val("gc-day")) { q.push("open_on=" + val("gc-day")); }
    return q.join("&");
  }
  function val(id) { return document.getElementById(id).value; }
  function colour(v, breaks, colors) {
    if (v == null) { return "#cbd5e1"; }
    for (var i = 0; i < breaks.length; i++) { if (v < breaks[i]) { return colors[i]; } }
    return colors[colors.length - 1];
  }
  function measure() {
    var m = val("gc-measure");
    return m === "time" ? {key: "median_walk_min", breaks: TIME_BREAKS, colors: TIME_COLORS,
                           label: function (v) { return C.minutes(v); }}
                        : {key: m, breaks: SHARE_BREAKS, colors: SHARE_COLORS,
                           label: function (v) { return C.pct(v); }};
  }

  panel.innerHTML =
    '<form id="gc-form"><h2>Couche</h2>' +
    // the territory's levels are added, finest first, from GET /api/territory (units())
    '<label>Découpage <select id="gc-unit"><option value="cells">carreaux de 200 m</option>' +
    "</select></label>" +
    '<label>Mesure <select id="gc-measure">' +
    '<option value="desert_share">part de la population en désert alimentaire</option>' +
    '<option value="low_access_share">part à plus du seuil à pied</option>' +
    '<option value="time">temps de marche médian</option></select></label>' +
    '<label>Seuil <select id="gc-threshold">' + [5, 10, 15, 20].map(function (t) {
      return '<option value="' + t + '"' + (t === cfg.threshold_min ? " selected" : "") + ">" +
             t + " minutes à pied</option>"; }).join("") + "</select></label>" +
    '<label>Jour <select id="gc-day"><option value="">tous les jours</option>' +
    Object.keys(DAY_FR).map(function (d) {
      return '<option value="' + d + '">ouverts le ' + DAY_FR[d] + "</option>"; }).join("") +
    "</select></label></form>" +
    '<div id="gc-legend" class="gc-legend"></div>' +
    '<h2>Territoire</h2><div id="gc-summary"></div>' +
    '<h2>Et si…</h2><p class="gc-note">Cliquez sur une zone puis « Simuler » pour un nouveau ' +
    "point conventionné, ou sur un point conventionné pour simuler la fin de sa convention.</p>" +
    '<div id="gc-whatif" aria-live="polite"></div>' +
    '<h2>Commerces à conventionner en priorité</h2><div id="gc-candidates"></div>' +
    '<h2>Imprimer et exporter</h2><p id="gc-exports"></p>';
  L.DomEvent.disableClickPropagation(panel);
  L.DomEvent.disableScrollPropagation(panel);
  document.getElementById("gc-form").addEventListener("change", refresh);

  function legend() {
    var m = measure();
    var html = "";
    for (var i = 0; i < m.colors.length; i++) {
      var lo = i === 0 ? null : m.breaks[i - 1], hi = m.breaks[i];
      var text = lo == null ? "moins de " + m.label(hi)
               : hi == null ? m.label(lo) + " et plus" : m.label(lo) + " à " + m.label(hi);
      html += "<div><i style=\"background:" + m.colors[i] + "\"></i>" + esc(text) + "</div>";
    }
    html += '<div><i style="background:#cbd5e1"></i>hors réseau piéton ou sans habitant</div>';
    document.getElementById("gc-legend").innerHTML = html;
  }
  function popup(p) {
    return "<strong>" + esc(p.name || p.cell_id) + "</strong><br>" +
      "Habitants : " + fmt(p.population) + "<br>" +
      (p.population_outside_network ? "Hors réseau piéton : " + fmt(p.population_outside_network) + "<br>" : "") +
      "Temps de marche médian : " + (p.unreachable ? "aucun point atteignable"
        : mins(p.median_walk_min)) + "<br>" +
      "À plus du seuil : " + fmt(p.low_access_population) + " (" + pct(p.low_access_share) + ")<br>" +
      "En désert alimentaire (revenus modestes) : " + fmt(p.desert_population) +
      " (" + pct(p.desert_share) + ")";
  }
  function summary(meta) {
    var t = meta.totals;
    document.getElementById("gc-summary").innerHTML =
      "<table><tr><td>Habitants couverts par le réseau piéton</td><td class=num>" + fmt(t.population_covered) + "</td></tr>" +
      "<tr><td>À plus de " + meta.threshold_min + " min à pied d'un point conventionné</td><td class=num>" + fmt(t.low_access_population) + "</td></tr>" +
      "<tr><td>Dont revenus modestes (désert alimentaire)</td><td class=num>" + fmt(t.desert_population) + "</td></tr>" +
      "<tr><td>Temps de marche médian</td><td class=num>" + mins(t.median_walk_min) + "</td></tr></table>" +
      '<p class="gc-note">' + esc(rule(meta)) + "</p>";
  }
  var LEVELS = {};  // the territory's levels by code: {code, one, many} (French names)
  function units(info) {
    var select = document.getElementById("gc-unit");
    info.levels.slice().reverse().forEach(function (lv) {  // coarse to fine: finest first
      LEVELS[lv.code] = lv;
      var option = document.createElement("option");
      option.value = lv.code;
      option.textContent = lv.many;
      select.appendChild(option);
    });
  }
  function rule(meta) {
    var li = meta.low_income, where = LEVELS[li.level] ? "de chaque " + LEVELS[li.level].one : "";
    if (li.available === false) {
      return "Désert alimentaire : non calculé, faute de données de revenus pour ce territoire. " +
        "Temps de marche jusqu'au point conventionné le plus proche, à " +
        C.num(meta.walk_speed_kmh, "km/h", 1) + ".";
    }
    var modest = li.method === "benefit_share"
      ? "part des foyers vivant surtout de prestations " + where + " d'au moins " + C.pct(li.min_benefit_share)
      : li.method === "points" ? "part des ménages modestes de chaque carreau"
      : "revenu médian par unité de consommation " + where + " dans le quart le moins riche du territoire" +
        (li.threshold_eur != null ? " (au plus " + C.euros(li.threshold_eur).replace(",00", "") + " par an)" : "");
    return "Désert alimentaire : à plus de " + C.minutes(meta.threshold_min) + " à pied du point " +
      "conventionné le plus proche, avec des revenus modestes (" + modest + "). Marche à " +
      C.num(meta.walk_speed_kmh, "km/h", 1) + ".";
  }
  function exports() {
    var a = function (href, text) { return '<a href="' + cfg.api + href + '">' + text + "</a>"; };
    document.getElementById("gc-exports").innerHTML =
      "Carte des déserts : " + a("/print/deserts.pdf?" + params(), "PDF") + " · " +
      a("/print/deserts.png?" + params(), "PNG") + "<br>Conventionnés : " +
      a("/print/conventionnes.pdf", "carte PDF") + " · " +
      a("/export/points_of_sale.geojson", "GeoJSON") + " · " +
      a("/export/points_of_sale.csv", "CSV") + " · " +
      a("/export/points_of_sale.gpkg", "GeoPackage") + "<br>Marchés : " +
      a("/print/markets.pdf", "carte PDF") + " · " + a("/export/markets.geojson", "GeoJSON") +
      " · " + a("/export/markets.csv", "CSV") + " · " + a("/export/markets.gpkg", "GeoPackage");
  }
  function refresh() {
    status.textContent = "Calcul…";
    legend();
    exports();
    var unit = val("gc-unit");
    var url = unit === "cells" ? cfg.api + "/deserts/cells?" + params()
                               : cfg.api + "/deserts/areas?level=" + unit + "&" + params();
    return json(url).then(function (fc) {
      // no income in this territory: the desert share is unknown, so the map shows the
      // share beyond the threshold on foot and says why the other measure is not offered
      var sel = document.getElementById("gc-measure"), li = (fc.metadata || {}).low_income;
      if (li && li.available === false && !sel.getAttribute("data-no-income")) {
        sel.setAttribute("data-no-income", "1");
        var opt = sel.querySelector('option[value="desert_share"]');
        opt.disabled = true;
        opt.textContent = "part en désert alimentaire (non calculé : revenus non fournis)";
        if (sel.value === "desert_share") { sel.value = "low_access_share"; return refresh(); }
      }
      if (layer) { map.removeLayer(layer); }
      var m = measure();
      layer = L.geoJSON(fc, {
        style: function (f) {
          var p = f.properties;
          var v = p.population_covered > 0 ? (p.unreachable && m.key === "median_walk_min" ? 999 : p[m.key]) : null;
          return {color: "#475569", weight: unit === "cells" ? 0.3 : 1, fillOpacity: 0.7,
                  fillColor: colour(v, m.breaks, m.colors)};
        },
        onEachFeature: function (f, l) {
          l.bindPopup(popup(f.properties) + '<br><button type="button" class="gc-sim">' +
                      "Simuler un point conventionné ici</button>");
          l.on("click", function (e) { clicked = e.latlng; });
        }
      }).addTo(map);
      if (!fitted && unit === "cells") { map.fitBounds(layer.getBounds()); fitted = true; }
      summary(fc.metadata);
      status.textContent = C.num(fc.features.length) + " zones · seuil " + C.minutes(fc.metadata.threshold_min);
      document.body.setAttribute("data-gc-ready", "1");
      return candidates();
    }).catch(function (err) {
      status.textContent = err.message;
      document.body.setAttribute("data-gc-ready", "error");
    });
  }
  function showChange(title, r) {
    document.getElementById("gc-whatif").innerHTML = '<div class="gc-result"><strong>' +
      esc(title) + "</strong><br>" +
      (r.low_income_out_of_desert == null
        ? "Désert alimentaire : non calculé, revenus non fournis pour ce territoire<br>"
        : "Sortent du désert alimentaire : " + fmt(r.low_income_out_of_desert) + " habitants modestes<br>") +
      "Passent sous le seuil de " + C.minutes(r.threshold_min) + " : " + fmt(r.people_out_of_low_access) + " habitants<br>" +
      "Passent au-dessus du seuil : " + fmt(r.people_into_low_access) +
      (r.low_income_into_desert == null ? "" : " (dont " + fmt(r.low_income_into_desert) + " modestes)") + "<br>" +
      "Habitants dont le trajet change : " + fmt(r.people_closer || 0) +
      (r.mean_change_min ? " · " + (r.mean_change_min > 0 ? "+" : "−") + C.minutes(Math.abs(r.mean_change_min)) + " en moyenne" : "") +
      "</div>";
  }
  function whatIf(body, title, latlng) {
    body.threshold_min = Number(val("gc-threshold"));
    if (val("gc-day")) { body.open_on = val("gc-day"); }
    if (simulated) { map.removeLayer(simulated); simulated = null; }
    if (latlng) {
      simulated = L.circleMarker(latlng, {radius: 8, color: "#0f766e", weight: 3}).addTo(map);
    }
    return json(cfg.api + "/whatif", {method: "POST", headers: {"Content-Type": "application/json"},
                                       body: JSON.stringify(body)})
      .then(function (r) { showChange(title, r); })
      .catch(function (err) {
        document.getElementById("gc-whatif").textContent = "Simulation impossible : " + err.message;
      });
  }
  var clicked = null;
  function simulateAt(latlng) {
    whatIf({add_lon: latlng.lng, add_lat: latlng.lat}, "Nouveau point conventionné ici", latlng);
  }
  // a click outside the layer simulates at once; on a zone, its popup offers the button
  map.on("click", function (e) { simulateAt(e.latlng); });
  map.on("popupopen", function (e) {
    var button = e.popup.getElement().querySelector(".gc-sim");
    if (button && clicked) {
      var at = clicked;
      button.addEventListener("click", function () { map.closePopup(); simulateAt(at); });
    }
  });
  function candidates() {
    return json(cfg.api + "/whatif/candidates?top=10&" + params()).then(function (list) {
      // no income in the territory: no column of low-income people, and the reason said
      var modest = list.some(function (c) { return c.low_income_within_reach != null; });
      var html = "<table><tr><th>Commerce</th>" + (modest ? "<th>modestes</th>" : "") +
                 "<th>tous</th></tr>";
      list.forEach(function (c, i) {
        var p = c.feature.properties;
        html += "<tr><td><button type=button data-i=\"" + i + "\">" + esc(p.name) + "</button></td>" +
                (modest ? "<td class=num>" + fmt(c.low_income_within_reach) + "</td>" : "") +
                "<td class=num>" + fmt(c.people_within_reach) + "</td></tr>";
      });
      html += '</table><p class="gc-note">Habitants amenés à moins du seuil, chacun seul.' +
              (modest || !list.length ? "" : " Habitants modestes : non calculé, revenus non " +
               "fournis pour ce territoire.") + "</p>";
      var div = document.getElementById("gc-candidates");
      div.innerHTML = html;
      div.querySelectorAll("button").forEach(function (b) {
        b.addEventListener("click", function () {
          var f = list[Number(b.getAttribute("data-i"))].feature, c = f.geometry.coordinates;
          map.panTo([c[1], c[0]]);
          whatIf({add_lon: c[0], add_lat: c[1]}, "Conventionner " + f.properties.name, [c[1], c[0]]);
        });
      });
    });
  }
  function loadConventionnes() {
    return json(cfg.api + "/points-of-sale?status=conventionne&limit=1000").then(function (fc) {
      conventionnes = L.geoJSON(fc, {
        filter: function (f) { return f.properties.accepts_mona; },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, {radius: 5, color: "#fff", weight: 1.5,
                                         fillColor: "#14532d", fillOpacity: 1});
        },
        onEachFeature: function (f, l) {
          l.on("click", function (e) {
            L.DomEvent.stopPropagation(e);
            whatIf({remove_id: f.properties.id}, "Fin de convention : " + f.properties.name, null);
          });
          l.bindTooltip(esc(f.properties.name));
        }
      }).addTo(map);
    });
  }
  map.fitBounds(cfg.bounds);
  json(cfg.api + "/territory").then(units).then(refresh).then(loadConventionnes);
})();
