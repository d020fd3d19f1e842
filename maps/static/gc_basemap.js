/* The background of every geo_caisse page: the territory's own vector base map (streets and
   their names, paths, tram lines in their colours and stops, neighbourhoods), cut by the
   service into /tiles and drawn by protomaps-leaflet (no tile server, no internet), or the
   tile server the territory names; and the full attribution, folded on a phone. */
window.GCBaseMap = (function () {
  "use strict";
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';

  function paintRules(P) {
    var rank = function (r) { return function (z, f) { return f.props.rank === r; }; };
    return [
      {dataLayer: "outline", symbolizer: new P.PolygonSymbolizer({fill: "#faf9f6"})},
      {dataLayer: "areas", filter: function (z, f) { return f.props.level === 0; },
       symbolizer: new P.LineSymbolizer({color: "#a8a29e", width: 1.2})},
      {dataLayer: "areas", minzoom: 12, filter: function (z, f) { return f.props.level === 1; },
       symbolizer: new P.LineSymbolizer({color: "#c4b5a5", width: 1, dash: [6, 4]})},
      {dataLayer: "paths", minzoom: 15,
       symbolizer: new P.LineSymbolizer({color: "#b7a38a", width: 1.2, dash: [3, 2]})},
      {dataLayer: "streets", filter: rank(1), minzoom: 13,
       symbolizer: new P.LineSymbolizer({color: "#d6d3d1", lineCap: "round",
         width: function (z) { return z < 15 ? 2 : z < 17 ? 5 : 9; }})},
      {dataLayer: "streets", filter: rank(1), minzoom: 13,
       symbolizer: new P.LineSymbolizer({color: "#ffffff", lineCap: "round",
         width: function (z) { return z < 15 ? 1 : z < 17 ? 3.5 : 7; }})},
      {dataLayer: "streets", filter: rank(0),
       symbolizer: new P.LineSymbolizer({color: "#d6c29a", lineCap: "round",
         width: function (z) { return z < 13 ? 2 : z < 15 ? 4 : z < 17 ? 7 : 12; }})},
      {dataLayer: "streets", filter: rank(0),
       symbolizer: new P.LineSymbolizer({color: "#fdf2c8", lineCap: "round",
         width: function (z) { return z < 13 ? 1 : z < 15 ? 2.5 : z < 17 ? 5 : 10; }})},
      {dataLayer: "transit",
       symbolizer: new P.LineSymbolizer({opacity: 0.85, lineCap: "round",
         color: function (z, f) { return f.props.colour || "#444"; },
         width: function (z) { return z < 14 ? 2 : 3.5; }})},
      {dataLayer: "stops", minzoom: 14,
       symbolizer: new P.CircleSymbolizer({radius: 3.5, fill: "#fff", stroke: "#1e3a8a",
                                           width: 1.5})}
    ];
  }
  function labelRules(P) {
    var halo = {stroke: "#ffffff", width: 3};
    return [
      {dataLayer: "places", maxzoom: 13, filter: function (z, f) { return f.props.level === 0; },
       symbolizer: new P.CenteredTextSymbolizer(Object.assign({labelProps: ["name"],
         fill: "#57534e", font: "600 13px " + FONT}, halo))},
      {dataLayer: "places", minzoom: 12, maxzoom: 14,
       filter: function (z, f) { return f.props.level === 1; },
       symbolizer: new P.CenteredTextSymbolizer(Object.assign({labelProps: ["name"],
         fill: "#78716c", font: "600 12px " + FONT, textTransform: "uppercase"}, halo))},
      {dataLayer: "places", minzoom: 15, filter: function (z, f) { return f.props.level >= 2; },
       symbolizer: new P.CenteredTextSymbolizer(Object.assign({labelProps: ["name"],
         fill: "#a8a29e", font: "italic 600 12px " + FONT}, halo))},
      {dataLayer: "streets", minzoom: 14, filter: function (z, f) { return f.props.rank === 0; },
       symbolizer: new P.LineLabelSymbolizer(Object.assign({labelProps: ["name"],
         fill: "#292524", font: "600 12px " + FONT}, halo))},
      {dataLayer: "streets", minzoom: 16, filter: function (z, f) { return f.props.rank === 1; },
       symbolizer: new P.LineLabelSymbolizer(Object.assign({labelProps: ["name"],
         fill: "#44403c", font: "12px " + FONT}, halo))},
      {dataLayer: "stops", minzoom: 15,
       symbolizer: new P.OffsetTextSymbolizer(Object.assign({labelProps: ["name"],
         fill: "#1e3a8a", font: "italic 12px " + FONT, offsetX: 6, offsetY: 6}, halo))}
    ];
  }

  function attribution(map, text, open) {
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
      var box = L.DomUtil.create("details", "gc-attribution leaflet-control");
      var lang = document.documentElement.lang === "en" ? "en" : "fr";
      var label = lang === "en" ? "Data sources and licences" : "Sources et licences";
      box.innerHTML = "<summary></summary><p></p>";
      // folded: the first credit and where the rest is; open: every source and licence
      box.querySelector("summary").textContent = open ? label
        : label + " (" + text.split(" · ")[0].replace(" contributors", "") + "…)";
      box.querySelector("p").textContent = text + " · Leaflet (BSD-2) · protomaps-leaflet (BSD-3)";
      if (open) { box.open = true; }
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    control.addTo(map);
    return control;
  }

  function add(map, cfg) {
    var b = cfg.basemap || {};
    var text = cfg.attribution || "";
    if (b.url) {
      map.gcBaseLayer = L.tileLayer(b.url, {maxZoom: 19});
      text = b.attribution + (text ? " · " + text : "");
    } else if (b.tiles && window.protomapsL) {
      var P = window.protomapsL;
      map.gcBaseLayer = P.leafletLayer({url: b.tiles, maxDataZoom: b.maxDataZoom || 16,
        backgroundColor: "#f3f1ec", attribution: "", paintRules: paintRules(P),
        labelRules: labelRules(P)});
    }
    if (map.gcBaseLayer) {
      // every tile of the view drawn: said on the page (tests and benchmarks wait for it)
      map.gcBaseLayer.on("load", function () {
        document.body.setAttribute("data-gc-basemap", "1");
      });
      map.gcBaseLayer.addTo(map);
    }
    // the page lays its panel out after the map was made (on a phone, above or below it):
    // each time the map's box changes, Leaflet is told, keeping the same centre in view
    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize(); })
        .observe(map.getContainer());
    }
    L.control.scale({imperial: false, position: "bottomleft"}).addTo(map);
    attribution(map, text, window.matchMedia("(min-width: 768px)").matches);
  }

  var cfg = window.GEO_CAISSE;
  if (cfg && window[cfg.map]) { add(window[cfg.map], cfg); }
  return {add: add};
})();
