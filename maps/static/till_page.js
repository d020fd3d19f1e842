/* geo_caisse till: take a payment with the member's code (typed, or scanned with the
   camera), confirm, print the receipt; a network failure is retried with the same
   Idempotency-Key, so a sale is never paid twice. Today's takings, the month's receipts,
   the balance, and reconversion requests. Nothing here ever says who paid. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc;
  var status = document.getElementById("gc-status");
  var panel = document.getElementById("gc-panel");
  var s = C.session(cfg, status, start);
  var places = [], place = null, sale = null, camera = null;
  var STATES = {pending: "en attente", approved: "acceptée", refused: "refusée"};

  function placeName(p) { return p.name + (p.market_name ? " — " + p.market_name : ""); }
  function key() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : String(Date.now()) + "-" + Math.random().toString(36).slice(2);
  }
  function el(id) { return document.getElementById(id); }

  function start() {
    s.api("/till").then(function (list) {
      places = list;
      var saved = Number(sessionStorage.getItem("gc-till-place"));
      place = list.filter(function (p) { return p.id === saved; })[0] || list[0];
      layout();
      return refresh();
    }).catch(function (err) { status.textContent = err.message; });
  }
  function layout() {
    panel.innerHTML =
      (places.length > 1 ? '<section class="gc-card"><div class="gc-field">' +
        '<label for="gc-place">Où encaissez-vous aujourd\'hui ?</label><select id="gc-place">' +
        places.map(function (p) { return '<option value="' + p.id + '"' +
          (p.id === place.id ? " selected" : "") + ">" + esc(placeName(p)) + "</option>";
        }).join("") + "</select></div></section>" : "") +
      '<section class="gc-card" aria-labelledby="gc-h-sale"><h2 id="gc-h-sale">Nouvelle vente' +
        ' — <span id="gc-where">' + esc(placeName(place)) + "</span></h2>" +
        '<div id="gc-sale"></div></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-today"><h2 id="gc-h-today">Aujourd\'hui' +
        '</h2><div id="gc-today"></div></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-receipts"><h2 id="gc-h-receipts">Reçus ' +
        'du mois</h2><div id="gc-receipts"></div></section>' +
      '<section class="gc-card" aria-labelledby="gc-h-reconv"><h2 id="gc-h-reconv">' +
        "Reconversion en euros</h2><div id=\"gc-reconv\"></div></section>" +
      '<p><button type="button" id="gc-logout">Se déconnecter</button></p>';
    el("gc-logout").addEventListener("click", function () { stopCamera(); s.logout(); });
    if (el("gc-place")) {
      el("gc-place").addEventListener("change", function () {
        place = places.filter(function (p) { return p.id === Number(el("gc-place").value); })[0];
        sessionStorage.setItem("gc-till-place", String(place.id));
        el("gc-where").textContent = placeName(place);
        refresh();
      });
    }
    saleForm("", "");
  }

  // --- a sale: the code, the amount, the confirmation, the receipt -------------------------
  function saleForm(codeValue, amountValue, error) {
    stopCamera();
    sale = null;
    el("gc-sale").innerHTML = '<form id="gc-sale-form" autocomplete="off" novalidate>' +
      '<div class="gc-field"><label for="gc-pay-code">Code du client</label>' +
      '<input id="gc-pay-code" class="gc-large" maxlength="20" autocapitalize="characters" ' +
      'spellcheck="false" value="' + esc(codeValue) + '"></div>' +
      '<div class="gc-actions"><button type="button" id="gc-scan">Scanner le QR code</button>' +
      "</div><div id=\"gc-camera\" hidden><video id=\"gc-video\" playsinline muted " +
      'aria-label="Image de la caméra"></video><p class="gc-note">Cadrez le QR code du client.' +
      '</p><button type="button" id="gc-scan-stop">Arrêter la caméra</button></div>' +
      '<div class="gc-field"><label for="gc-amount">Montant (MonA)</label>' +
      '<input id="gc-amount" class="gc-large" inputmode="decimal" placeholder="12,50" ' +
      'value="' + esc(amountValue) + '"></div>' +
      '<p id="gc-sale-error" class="gc-error" role="alert">' + esc(error || "") + "</p>" +
      '<button type="submit" class="gc-primary gc-wide">Continuer</button></form>';
    el("gc-scan").addEventListener("click", scan);
    el("gc-scan-stop").addEventListener("click", stopCamera);
    el("gc-sale-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var c = el("gc-pay-code").value.replace(/[\s-]/g, "").toUpperCase();
      var amount = C.parseAmount(el("gc-amount").value);
      if (c.length !== 10) {
        el("gc-sale-error").textContent = "Le code du client compte 10 lettres et chiffres.";
        el("gc-pay-code").focus(); return;
      }
      if (!amount) {
        el("gc-sale-error").textContent = "Montant incorrect : tapez par exemple 12,50.";
        el("gc-amount").focus(); return;
      }
      confirmSale({code: c, amount: amount, shown: el("gc-amount").value, key: key()});
    });
  }
  function confirmSale(next) {
    stopCamera();
    sale = next;
    el("gc-sale").innerHTML = '<p class="gc-big">' + esc(C.mona(sale.amount)) + "</p>" +
      "<p>Encaisser " + esc(C.mona(sale.amount)) + " à " + esc(placeName(place)) + " ?</p>" +
      '<div class="gc-actions"><button type="button" class="gc-primary" id="gc-confirm">' +
      'Confirmer</button><button type="button" id="gc-edit">Modifier</button></div>' +
      '<p id="gc-sale-error" class="gc-error" role="alert"></p>';
    el("gc-confirm").addEventListener("click", send);
    el("gc-edit").addEventListener("click", function () { saleForm(sale.code, sale.shown); });
    el("gc-confirm").focus();
  }
  function send() {
    var b = el("gc-confirm") || el("gc-retry");
    if (b) { b.disabled = true; }
    status.textContent = "Paiement en cours…";
    s.api("/payments", {method: "POST",
      headers: {"Content-Type": "application/json", "Idempotency-Key": sale.key},
      body: JSON.stringify({code: sale.code, amount_mona: sale.amount,
                            point_of_sale_id: place.id})})
      .then(receipt).catch(function (err) {
        if (err.status === 0) {   // the answer never came: the same sale, the same key
          status.textContent = "Connexion coupée";
          el("gc-sale").innerHTML = '<p class="gc-error" role="alert">La connexion a été ' +
            "coupée : le paiement n'est peut-être pas passé. Touchez « Réessayer » : il ne " +
            "sera pas payé deux fois.</p>" + '<div class="gc-actions"><button type="button" ' +
            'class="gc-primary" id="gc-retry">Réessayer</button><button type="button" ' +
            'id="gc-edit">Annuler</button></div>';
          el("gc-retry").addEventListener("click", send);
          el("gc-edit").addEventListener("click", function () { saleForm("", ""); });
          return;
        }
        status.textContent = "Paiement refusé";
        saleForm(sale.code, sale.shown, err.message);   // nothing paid: a new sale, a new key
      });
  }
  function receipt(r) {
    status.textContent = "Paiement enregistré";
    el("gc-sale").innerHTML = '<div class="gc-receipt" id="gc-receipt">' +
      '<p class="gc-ok">Payé</p><p class="gc-big">' + esc(C.mona(r.amount_mona)) + "</p>" +
      "<p>Reçu n° " + esc(r.payment_id) + " — " + esc(C.when(r.occurred_at)) + "</p>" +
      "<p>" + esc(placeName(place)) + "</p></div>" +
      '<button type="button" class="gc-primary gc-wide" id="gc-next">Nouvelle vente</button>';
    el("gc-next").addEventListener("click", function () { saleForm("", ""); });
    el("gc-next").focus();
    refresh();
  }

  // --- the camera: jsQR reads the member's QR code ---------------------------------------
  function loadJsQR() {
    if (window.jsQR) { return Promise.resolve(window.jsQR); }
    return new Promise(function (ok, fail) {
      var tag = document.createElement("script");
      tag.src = cfg.jsqr; tag.onload = function () { ok(window.jsQR); }; tag.onerror = fail;
      document.head.appendChild(tag);
    });
  }
  function scan() {
    var error = el("gc-sale-error");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      error.textContent = "Pas de caméra sur cet appareil : tapez le code."; return;
    }
    Promise.all([loadJsQR(), navigator.mediaDevices.getUserMedia(
      {video: {facingMode: "environment"}, audio: false})]).then(function (got) {
      var decode = got[0], stream = got[1];
      var video = el("gc-video"), canvas = document.createElement("canvas");
      var ctx = canvas.getContext("2d", {willReadFrequently: true});
      camera = {stream: stream, timer: null};
      el("gc-camera").hidden = false;
      video.srcObject = stream;
      video.play();
      camera.timer = setInterval(function () {
        if (!video.videoWidth) { return; }
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        ctx.drawImage(video, 0, 0);
        var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var found = decode(img.data, img.width, img.height, {inversionAttempts: "dontInvert"});
        if (found && /^[0-9A-Z]{10}$/.test(found.data.trim().toUpperCase())) {
          el("gc-pay-code").value = found.data.trim().toUpperCase();
          stopCamera();
          status.textContent = "Code lu";
          el("gc-amount").focus();
        }
      }, 200);
    }).catch(function () {
      error.textContent = "Caméra indisponible ou refusée : tapez le code.";
    });
  }
  function stopCamera() {
    if (!camera) { return; }
    clearInterval(camera.timer);
    camera.stream.getTracks().forEach(function (t) { t.stop(); });
    camera = null;
    if (el("gc-camera")) { el("gc-camera").hidden = true; }
  }

  // --- today, the receipts, the reconversion ----------------------------------------------
  function refresh() {
    return s.api("/till/" + place.id).then(function (t) {
      el("gc-today").innerHTML = "<p>Recettes du jour : <strong>" + esc(C.mona(t.today_mona)) +
        "</strong> (" + C.num(t.today_payments) + (t.today_payments > 1 ? " paiements" :
        " paiement") + ")</p><p>Ce mois-ci (" + esc(C.month(t.month)) + ") : " +
        esc(C.mona(t.month_mona)) + "</p><p>Solde en MonA : <strong id=\"gc-till-balance\">" +
        esc(C.mona(t.balance_mona)) + "</strong></p>" +
        (place.takes_mona ? "" : "<p class='gc-error'>Ce point de vente n'est plus " +
         "conventionné : il ne peut plus encaisser, seulement reconvertir.</p>");
      el("gc-receipts").innerHTML = t.receipts.length ? "<table><thead><tr><th>N°</th><th>" +
        "Date</th><th class='num'>MonA</th></tr></thead><tbody>" + t.receipts.map(function (r) {
          return "<tr><td>" + esc(r.number) + "</td><td>" + esc(C.when(r.occurred_at)) +
            "</td><td class='num'>" + esc(C.mona(r.amount_mona).replace(" MonA", "")) +
            "</td></tr>"; }).join("") + "</tbody></table>"
        : "<p>Aucun paiement ce mois-ci.</p>";
      el("gc-reconv").innerHTML = "<p>Reconvertible : <strong>" + esc(C.mona(t.available_mona)) +
        "</strong> (1 MonA = 1 €)" + (Number(t.pending_reconversion_mona) > 0 ? " ; déjà " +
        "demandé, en attente : " + esc(C.mona(t.pending_reconversion_mona)) : "") + "</p>" +
        '<form id="gc-reconv-form" novalidate><div class="gc-field"><label for="gc-reconv-amount">' +
        "Montant à reconvertir (MonA)</label><input id=\"gc-reconv-amount\" inputmode=\"decimal\" " +
        'placeholder="50,00"></div><button type="submit">Demander la reconversion</button>' +
        '<p id="gc-reconv-error" class="gc-error" role="alert"></p></form>' +
        (t.requests.length ? "<table><thead><tr><th>Demande</th><th class='num'>MonA</th>" +
         "<th>État</th></tr></thead><tbody>" + t.requests.map(function (r) {
           return "<tr><td>" + esc(C.when(r.requested_at)) + "</td><td class='num'>" +
             esc(C.mona(r.amount_mona).replace(" MonA", "")) + "</td><td>" +
             esc(STATES[r.status] || r.status) + (r.decided_at ? " le " +
             esc(C.when(r.decided_at)) : "") + (r.note ? " : " + esc(r.note) : "") +
             "</td></tr>"; }).join("") + "</tbody></table>" : "");
      el("gc-reconv-form").addEventListener("submit", function (e) {
        e.preventDefault();
        var amount = C.parseAmount(el("gc-reconv-amount").value);
        if (!amount) {
          el("gc-reconv-error").textContent = "Montant incorrect : tapez par exemple 50,00.";
          return;
        }
        s.api("/till/" + place.id + "/reconversions", {method: "POST",
          headers: {"Content-Type": "application/json"},
          body: JSON.stringify({amount_mona: amount})}).then(function () {
          status.textContent = "Demande de reconversion envoyée à l'équipe de la caisse";
          return refresh();
        }).catch(function (err) { el("gc-reconv-error").textContent = err.message; });
      });
      status.textContent = status.textContent || "Prêt à encaisser";
      document.body.setAttribute("data-gc-ready", "1");
    }).catch(function (err) { status.textContent = err.message; });
  }
})();
