/* geo_caisse producer page: the demand around one's own point of sale, aggregated. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc, num = C.num;
  var map = window[cfg.map];
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var s = C.session(cfg, status, start);

  var BAND_COLOURS = {5: "#15803d", 10: "#65a30d", 15: "#ca8a04"};
  function show(d) {
    var p = d.point_of_sale;
    if (d.areas.features.length) {
      drawn.push(L.geoJSON(d.areas, {style: function (f) {
        return {color: BAND_COLOURS[f.properties.within_min], weight: 1.5, fillOpacity: 0.2};
      }, onEachFeature: function (f, l) {
        l.bindTooltip("Zone de membres à moins de " + f.properties.within_min + " min");
      }}).addTo(map));
    }
    drawn.push(L.circleMarker([p.lat, p.lon], {radius: 9, color: "#15803d", weight: 3,
                                               fillOpacity: 0.8}).bindPopup(esc(p.name))
      .addTo(map));
    map.setView([p.lat, p.lon], 14, {animate: false});
    var spent = d.spent_here;
    panel.innerHTML = "<button id='gc-logout' type='button'>Se déconnecter</button>" +
      "<h2>" + esc(p.name) + "</h2><table><tr><th>À pied</th><th>Habitants</th>" +
      "<th>Membres</th><th>MonA/mois</th></tr>" + d.bands.map(function (b) {
        return "<tr><td>" + C.minutes(b.minutes) + "</td><td class='num'>" + num(b.people) +
          "</td><td class='num'>" + num(b.members) + "</td><td class='num'>" +
          C.mona(b.mona_allocated_per_month) + "</td></tr>";
      }).join("") + "</table>" +
      (d.years && d.years.length > 1 ? "<div class='gc-field'><label for='gc-year'>Année" +
        "</label><select id='gc-year'>" + d.years.slice().reverse().map(function (y) {
          return "<option value='" + esc(y) + "'" + (y === d.year ? " selected" : "") + ">" +
            esc(y) + "</option>"; }).join("") + "</select></div>" : "") +
      (spent ? "<h2>MonA reçues (" + esc(spent.year) + ")</h2><p>" +
        C.mona(spent.total.mona) + (spent.total.members != null ? " de " +
        C.num(spent.total.members) + " membres" : "") + "</p><p class='gc-note'>" +
        spent.cells.length + (spent.cells.length > 1 ? " zones d'origine publiées" :
                              " zone d'origine publiée") +
        (spent.other_origins.members ? ", autres origines regroupées" : "") + "</p>" : "") +
      (d.received_by_month ? "<h2>Par mois</h2><table>" +
        d.received_by_month.months.map(function (m) {
          return "<tr><td>" + esc(C.month(m.month)) + "</td><td class='num'>" +
            (m.members === 0 ? "—" : C.mona(m.mona)) + "</td></tr>";
        }).join("") + "</table>" : "") +
      (d.to_date ? "<h2>" + esc(d.to_date.year) + " jusqu'ici</h2>" +
        (d.to_date.months.length ? "<table>" + d.to_date.months.map(function (m) {
          return "<tr><td>" + esc(C.month(m.month)) + "</td><td class='num'>" +
            (m.members === 0 ? "—" : C.mona(m.mona)) + "</td></tr>";
        }).join("") + "</table><p class='gc-note'>Les mois terminés seulement ; le mois en " +
        "cours est sur votre caisse (<a href='/encaisser'>encaisser</a>).</p>"
          : "<p>Aucun mois terminé cette année.</p>") : "") +
      "<p class='gc-note'>Membres comptés par zones entières d'au moins " + d.min_members +
      " membres (secret statistique). Habitants : estimations.</p>";
    document.getElementById("gc-logout").addEventListener("click", s.logout);
    var year = document.getElementById("gc-year");
    if (year) {
      year.addEventListener("change", function () { load(d.point_of_sale.id, year.value); });
    }
    status.textContent = "Demande autour de votre point de vente";
    document.body.setAttribute("data-gc-ready", "1");
  }
  var drawn = [];
  function load(id, year) {
    drawn.forEach(function (l) { map.removeLayer(l); });
    drawn = [];
    return s.api("/points-of-sale/" + encodeURIComponent(id) + "/demand" +
                 (year ? "?year=" + encodeURIComponent(year) : "")).then(show)
      .catch(function (err) { status.textContent = err.message; });
  }
  function start() {
    var wanted = new URLSearchParams(location.search).get("point_of_sale");
    s.api("/me").then(function (me) {
      var id = me.point_of_sale_id || wanted;
      if (!id) { throw new Error("Aucun point de vente n'est lié à ce compte."); }
      return load(id, null);
    }).catch(function (err) { status.textContent = err.message; });
  }
  map.fitBounds(cfg.bounds);
})();
