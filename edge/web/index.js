// Sign-in page: password and face sign-in, registration with e-mail code and
// optional face photos, password reset.
(function () {
  "use strict";
  var $ = hb.$, $$ = hb.$$, api = hb.api, say = hb.say, busy = hb.busy;

  var EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var USERNAME_RE = /^[A-Za-z0-9_.-]{3,32}$/;

  // Same rule as the server (8–72 bytes, a letter and a digit), checked here
  // so the person learns it before the round trip.
  function passwordProblem(pw) {
    var bytes = new TextEncoder().encode(pw).length;
    if (bytes < 8) return "Password: at least 8 characters.";
    if (bytes > 72) return "Password: at most 72 bytes.";
    if (!/\p{L}/u.test(pw) || !/\p{Nd}/u.test(pw)) return "Password: use letters and at least one digit.";
    return "";
  }

  // Already signed in in this tab: go straight to the app.
  if (hb.session.token() && !/[?&]signout/.test(location.search)) {
    api("POST", "/api/auth/verify-token", { token: hb.session.token() }, { auth: false }).then(function (r) {
      if (r.data && r.data.valid) location.replace("/app.html");
      else hb.session.clear();
    }, function () { /* stay here */ });
  }

  function signedIn(data) {
    hb.session.set(data.token, data.user);
    location.href = "/app.html";
  }

  // ---- tabs -------------------------------------------------------------------
  var cams = [];
  function showTab(name) {
    $$(".tabs button").forEach(function (b) { b.setAttribute("aria-selected", String(b.dataset.tab === name)); });
    $$("section[data-panel]").forEach(function (s) { s.classList.toggle("hidden", s.dataset.panel !== name); });
    // Leaving a tab turns its camera off: the light should not stay on.
    cams.forEach(function (c) { c.stop(); });
    $("#face-go").disabled = true;
    $("#reg-snap").disabled = true;
    history.replaceState(null, "", "#" + name);
  }
  $$(".tabs button").forEach(function (b) { b.addEventListener("click", function () { showTab(b.dataset.tab); }); });
  var initial = (location.hash || "").slice(1);
  if (["login", "face", "register", "reset"].indexOf(initial) >= 0) showTab(initial);

  // ---- password sign-in -----------------------------------------------------------
  $("#login-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var msg = $("#login-msg"), btn = ev.target.querySelector("button[type=submit]");
    var username = $("#login-username").value.trim(), password = $("#login-password").value;
    if (!username || !password) return say(msg, "Enter your username (or e-mail) and password.");
    say(msg, "");
    busy(btn, true, "Signing in…");
    api("POST", "/api/auth/login", { username: username, password: password }, { auth: false })
      .then(function (r) { signedIn(r.data); }, function (e) {
        busy(btn, false);
        say(msg, e.status === 401 ? "Wrong username or password." : e.message);
      });
  });

  // ---- face sign-in ---------------------------------------------------------------
  var faceCam = new hb.Camera($("#face-video"), $("#face-placeholder"));
  cams.push(faceCam);
  $("#face-start").addEventListener("click", function () {
    say($("#face-msg"), "");
    faceCam.start().then(function () { $("#face-go").disabled = false; }, function (e) { say($("#face-msg"), e.message); });
  });
  // A face sign-in takes 3–5 frames of the server's liveness challenge
  // (hb.Camera.captureChallenge).
  function captureFrames(challenge) {
    return faceCam.captureChallenge(challenge, function (text) { say($("#face-step"), text, text ? "info" : undefined); });
  }
  $("#face-go").addEventListener("click", function () {
    var msg = $("#face-msg"), btn = $("#face-go");
    try { faceCam.capture(); } catch (e) { return say(msg, e.message); }
    var username = $("#face-username").value.trim();
    var password = $("#face-password").value;
    say(msg, "");
    busy(btn, true, "Follow the instructions…");
    api("POST", "/api/auth/face-challenge", {}, { auth: false })
      .then(function (r) { return r.data && r.data.challenge_id ? r.data : null; }, function () { return null; })
      .then(function (challenge) {
        return captureFrames(challenge).then(function (frames) {
          var body = { images: frames };
          if (challenge) body.challenge_id = challenge.challenge_id;
          if (username) body.username = username;
          if (password) body.password = password;
          return body;
        });
      })
      .then(function (body) {
        busy(btn, true, "Checking…");
        return api("POST", "/api/auth/face-login", body, { auth: false });
      })
      .then(function (r) {
        if (r.status === 202 && r.data && r.data.op_id) {
          // The face worker is busy: wait for the identification, then
          // redeem the operation for a session (its result holds no token).
          say(msg, "Still checking your photo…", "info");
          var redeem = { op_id: r.data.op_id };
          if (password) redeem.password = password;
          return hb.waitOp(r.data.op_id, 60000).catch(function () { /* the redeem call reports the failure */ })
            .then(function () { return api("POST", "/api/auth/face-login", redeem, { auth: false }); })
            .then(function (r2) { return r2.data; });
        }
        return r.data;
      })
      .then(function (data) {
        if (!data || !data.token) throw new Error("face not recognised");
        faceCam.stop();
        signedIn(data);
      })
      .catch(function (e) {
        busy(btn, false);
        var text = e.message;
        say($("#face-step"), "");
        if (e.code === "liveness_failed" || e.code === "liveness_required" || e.code === "challenge_invalid") {
          text = "The liveness check did not pass (" + e.message + "). Press the button again and follow the instructions under the picture.";
        } else if (e.code === "password_required") {
          $("#face-password-field").classList.remove("hidden");
          $("#face-password").focus();
          text = "This account signs in with password and face: enter your password and try again.";
        } else if (e.code === "username_required" || (e.status === 401 && !username)) {
          $("#face-username").focus();
          text = "We could not tell for sure who this is. Enter your username above and try again.";
        } else if (e.status === 401) {
          text = "The face does not match this account.";
        }
        say(msg, text);
      });
  });

  // ---- development mailbox --------------------------------------------------------------
  // With HIREBUS_DEV=1 the edge lists sent mails at /dev/mailbox; show the code
  // so a developer running `make run` needs no mail server. In production the
  // route does not exist and nothing is shown.
  function devCode(email, box, input) {
    var tries = 0;
    function look() {
      api("GET", "/dev/mailbox", undefined, { auth: false }).then(function (r) {
        var mails = Array.isArray(r.data) ? r.data : [];
        var mine = mails.filter(function (m) { return String(m.to || "").toLowerCase().indexOf(email.toLowerCase()) >= 0; });
        var last = mine[mine.length - 1];
        var m = last && /\b(\d{6})\b/.exec(String(last.subject || "") + " " + String(last.body || ""));
        if (!m) {
          if (++tries < 10) setTimeout(look, 500);
          return;
        }
        hb.clear(box);
        box.appendChild(document.createTextNode("Development mailbox: your code is "));
        box.appendChild(hb.h("strong", { text: m[1] }));
        box.appendChild(document.createTextNode(" "));
        box.appendChild(hb.h("button.ghost", { type: "button", text: "Use it", onclick: function () { input.value = m[1]; input.focus(); } }));
        box.className = "msg info";
      }, function () { /* not a development server */ });
    }
    look();
  }

  // ---- registration ---------------------------------------------------------------
  var reg = { email: "", shots: [] };
  function regStep(n) {
    ["#reg-step1", "#reg-step2", "#reg-step3"].forEach(function (s, i) { $(s).classList.toggle("hidden", i !== n - 1); });
    ["#st1", "#st2", "#st3"].forEach(function (s, i) { $(s).classList.toggle("done", i < n); });
    say($("#reg-msg"), "");
  }
  function sendRegisterCode(btn) {
    var msg = $("#reg-msg");
    busy(btn, true, "Sending…");
    return api("POST", "/api/auth/send-otp", { email: reg.email, purpose: "register" }, { auth: false })
      .then(function () {
        busy(btn, false);
        regStep(2);
        $("#reg-email-shown").textContent = reg.email;
        $("#reg-devmail").className = "msg info hidden";
        devCode(reg.email, $("#reg-devmail"), $("#reg-otp"));
        $("#reg-otp").focus();
      }, function (e) {
        busy(btn, false);
        say(msg, e.status === 429 ? "Too many codes requested. Wait a little and try again." : e.message);
      });
  }
  $("#reg-step1").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var email = $("#reg-email").value.trim();
    if (!EMAIL_RE.test(email)) return say($("#reg-msg"), "Enter a valid e-mail address.");
    reg.email = email;
    sendRegisterCode(ev.target.querySelector("button[type=submit]"));
  });
  $("#reg-back").addEventListener("click", function () { regStep(1); });
  $("#reg-resend").addEventListener("click", function (ev) { sendRegisterCode(ev.target); });
  $("#reg-step2").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var otp = $("#reg-otp").value.trim(), msg = $("#reg-msg"), btn = ev.target.querySelector("button[type=submit]");
    if (!/^\d{6}$/.test(otp)) return say(msg, "The code has 6 digits.");
    busy(btn, true, "Checking…");
    api("POST", "/api/auth/verify-otp", { email: reg.email, otp: otp, purpose: "register" }, { auth: false })
      .then(function () { busy(btn, false); regStep(3); $("#reg-username").focus(); }, function (e) {
        busy(btn, false);
        say(msg, e.status === 429 ? "Too many wrong tries. Ask for a new code." : e.status === 400 ? "That code is wrong or has expired." : e.message);
      });
  });

  var regCam = new hb.Camera($("#reg-video"), $("#reg-placeholder"));
  cams.push(regCam);
  function renderShots() {
    var box = hb.clear($("#reg-shots"));
    reg.shots.forEach(function (src, i) {
      box.appendChild(hb.h("div.shot", hb.h("img", { src: src, alt: "photo " + (i + 1) }),
        hb.h("button", { type: "button", title: "Remove", text: "×", onclick: function () { reg.shots.splice(i, 1); renderShots(); } })));
    });
    $("#reg-snap").textContent = "Take photo (" + reg.shots.length + "/3)";
  }
  $("#reg-cam").addEventListener("click", function () {
    regCam.start().then(function () { $("#reg-snap").disabled = false; }, function (e) { say($("#reg-msg"), e.message); });
  });
  $("#reg-snap").addEventListener("click", function () {
    try {
      if (reg.shots.length >= 5) return hb.toast("Five photos are plenty.");
      reg.shots.push(regCam.capture());
      renderShots();
    } catch (e) { say($("#reg-msg"), e.message); }
  });
  $("#reg-step3").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var msg = $("#reg-msg"), btn = $("#reg-submit");
    var body = {
      username: $("#reg-username").value.trim(),
      email: reg.email,
      password: $("#reg-password").value,
      role: $("#reg-role").value
    };
    if (!USERNAME_RE.test(body.username)) return say(msg, "Username: 3–32 letters, digits, dot, dash or underscore.");
    var pwErr = passwordProblem(body.password);
    if (pwErr) return say(msg, pwErr);
    if (reg.shots.length > 0 && reg.shots.length < 3) return say(msg, "Take at least 3 photos for face sign-in, or remove them.");
    if (reg.shots.length) body.images = reg.shots.slice();
    busy(btn, true, "Creating account…");
    api("POST", "/api/auth/register", body, { auth: false }).then(function (r) {
      regCam.stop();
      hb.session.set(r.data.token, r.data.user);
      // The app page follows the face enrolment live when there is one.
      location.href = "/app.html" + (r.data.enroll_op_id ? "?enroll=" + encodeURIComponent(r.data.enroll_op_id) : "");
    }, function (e) {
      busy(btn, false);
      if (e.status === 409) say(msg, "That username or e-mail is already taken.");
      else if (e.status === 403) { say(msg, "Your e-mail is not verified any more — request a new code."); regStep(1); }
      else if (e.code === "face_unavailable") say(msg, "Face sign-in is not available on this server: remove the photos to continue.");
      else say(msg, e.message);
    });
  });

  // ---- password reset ---------------------------------------------------------------
  var resetEmail = "";
  $("#reset-step1").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var msg = $("#reset-msg"), btn = ev.target.querySelector("button[type=submit]");
    resetEmail = $("#reset-email").value.trim();
    if (!EMAIL_RE.test(resetEmail)) return say(msg, "Enter a valid e-mail address.");
    busy(btn, true, "Sending…");
    api("POST", "/api/auth/forgot-password", { email: resetEmail }, { auth: false }).then(function () {
      busy(btn, false);
      say(msg, "If an account uses " + resetEmail + ", a reset code is on its way.", "ok");
      $("#reset-step1").classList.add("hidden");
      $("#reset-step2").classList.remove("hidden");
      devCode(resetEmail, $("#reset-devmail"), $("#reset-otp"));
      $("#reset-otp").focus();
    }, function (e) { busy(btn, false); say(msg, e.message); });
  });
  $("#reset-step2").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var msg = $("#reset-msg"), btn = ev.target.querySelector("button[type=submit]");
    var otp = $("#reset-otp").value.trim(), pw = $("#reset-password").value;
    if (!/^\d{6}$/.test(otp)) return say(msg, "The code has 6 digits.");
    var pwErr = passwordProblem(pw);
    if (pwErr) return say(msg, pwErr);
    busy(btn, true, "Saving…");
    api("POST", "/api/auth/reset-password", { email: resetEmail, otp: otp, new_password: pw }, { auth: false }).then(function () {
      busy(btn, false);
      $("#reset-step2").classList.add("hidden");
      $("#reset-step1").classList.remove("hidden");
      showTab("login");
      $("#login-username").value = resetEmail;
      say($("#login-msg"), "Password changed. Sign in with the new one.", "ok");
    }, function (e) {
      busy(btn, false);
      say(msg, e.status === 429 ? "Too many wrong tries. Ask for a new code." : e.message);
    });
  });
})();
