// Progressive enhancement. Every form works without this file; with it, forms post JSON and show
// errors inline without a reload, the resend button counts down, and pasted codes are cleaned.
(function () {
  'use strict';

  var messages = {};
  var el = document.getElementById('i18n');
  if (el) {
    try {
      messages = JSON.parse(el.textContent || '{}');
    } catch (e) {
      messages = {};
    }
  }

  // Own keys only: a field named `constructor` must not find Object.prototype's.
  function message(key) {
    return Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : undefined;
  }

  function t(key, params) {
    var s = message(key) || key;
    Object.keys(params || {}).forEach(function (k) {
      s = s.split('{' + k + '}').join(String(params[k]));
    });
    return s;
  }

  function formToJson(form) {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== '_csrf') data[name] = value;
    });
    return data;
  }

  function showError(form, body) {
    var box = document.getElementById('form-error');
    if (!box) return;
    box.textContent = '';
    var lines = [message('error.' + body.error) || body.message || t('error.generic')];
    if (typeof body.attemptsRemaining === 'number' && body.attemptsRemaining > 0) {
      lines.push(
        t(body.attemptsRemaining === 1 ? 'verify.attemptsLeft.one' : 'verify.attemptsLeft', {
          count: body.attemptsRemaining,
        }),
      );
    }
    if (typeof body.retryAfter === 'number') lines.push(t('error.retryIn', { seconds: body.retryAfter }));
    (body.details || []).forEach(function (d) {
      lines.push(message('error.field.' + d.field) || t('error.field.other', { field: d.field }));
    });
    // Mark the fields the answer names as invalid (and only those).
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (input) {
      input.removeAttribute('aria-invalid');
    });
    (body.details || []).forEach(function (d) {
      var input = form.querySelector('[name="' + CSS.escape(d.field) + '"]');
      if (input) input.setAttribute('aria-invalid', 'true');
    });
    if (body.error === 'invalid_code') {
      var codeField = form.querySelector('[name="code"]');
      if (codeField) codeField.setAttribute('aria-invalid', 'true');
    }
    lines.forEach(function (line) {
      var p = document.createElement('p');
      p.textContent = line;
      box.appendChild(p);
    });
    box.hidden = false;
    var field =
      body.details && body.details[0] && form.querySelector('[name="' + CSS.escape(body.details[0].field) + '"]');
    (field || box).focus();
    if (body.error === 'challenge_expired') {
      var restart = document.getElementById('restart');
      if (restart) restart.hidden = false;
    }
  }

  function enhance(form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      if (button) button.disabled = true;
      fetch(form.getAttribute('action'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(formToJson(form)),
      })
        .then(function (res) {
          return res.text().then(function (text) {
            var body = {};
            try {
              body = text ? JSON.parse(text) : {};
            } catch (e) {
              body = { error: 'generic' };
            }
            return { ok: res.ok, status: res.status, body: body };
          });
        })
        .then(function (r) {
          if (button) button.disabled = false;
          if (r.ok && r.body.status === 'code_sent' && form.hasAttribute('data-resend')) {
            var box = document.getElementById('form-error');
            if (box) box.hidden = true;
            var note = document.getElementById('resend-note');
            if (note) note.textContent = t('verify.resent');
            countdown(r.body.resendAfter);
            watchDelivery();
            var code = document.getElementById('code');
            if (code) code.focus();
            return;
          }
          if (r.ok) {
            window.location.assign(r.body.next || form.getAttribute('data-next') || '/home');
            return;
          }
          showError(form, r.body);
          if (r.body.error === 'rate_limited' && form.hasAttribute('data-resend')) countdown(r.body.retryAfter);
        })
        .catch(function () {
          if (button) button.disabled = false;
          // The network failed: fall back to a plain form post.
          form.submit();
        });
    });
  }

  var timer;
  function countdown(seconds) {
    var button = document.getElementById('resend');
    var label = document.getElementById('resend-countdown');
    if (!button) return;
    var left = Math.max(0, Math.ceil(Number(seconds) || 0));
    clearInterval(timer);
    function tick() {
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        if (label) label.textContent = '';
        return;
      }
      button.disabled = true;
      if (label) label.textContent = t('verify.resendIn', { seconds: left });
      left -= 1;
    }
    tick();
    timer = setInterval(tick, 1000);
  }

  var code = document.getElementById('code');
  if (code) {
    code.addEventListener('input', function () {
      var cleaned = code.value.replace(/[\s-]/g, '');
      if (cleaned !== code.value) code.value = cleaned;
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('form[data-enhance]'), enhance);

  var resend = document.getElementById('resend');
  if (resend && resend.hasAttribute('data-resend-after')) countdown(resend.getAttribute('data-resend-after'));

  // Mail goes out after the answer: ask a few times whether it was refused, and say so.
  var deliveryTimer;
  function watchDelivery() {
    var notice = document.getElementById('delivery-failed');
    if (!notice || !window.fetch) return;
    notice.hidden = true;
    var delays = [2000, 4000, 8000, 16000, 30000];
    clearTimeout(deliveryTimer);
    function poll() {
      if (!delays.length) return;
      deliveryTimer = setTimeout(function () {
        fetch('/verify/status', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
          .then(function (res) {
            return res.ok ? res.json() : null;
          })
          .then(function (body) {
            if (body && body.delivery === 'failed') notice.hidden = false;
            else if (body) poll();
          })
          .catch(function () {
            poll();
          });
      }, delays.shift());
    }
    poll();
  }
  var notice = document.getElementById('delivery-failed');
  if (notice && notice.hidden) watchDelivery();

  // Passkeys (WebAuthn). The browser side is @simplewebauthn/browser, served from /assets/webauthn/
  // and loaded only on pages that offer a passkey; every page works without it.
  function postJson(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body || {}),
    }).then(function (res) {
      return res.text().then(function (text) {
        var parsed = {};
        try {
          parsed = text ? JSON.parse(text) : {};
        } catch (e) {
          parsed = { error: 'generic' };
        }
        return { ok: res.ok, status: res.status, body: parsed };
      });
    });
  }

  function withWebAuthn(callback) {
    if (window.SimpleWebAuthnBrowser) return callback(window.SimpleWebAuthnBrowser);
    var script = document.createElement('script');
    script.src = '/assets/webauthn/index.umd.min.js';
    script.onload = function () {
      if (window.SimpleWebAuthnBrowser) callback(window.SimpleWebAuthnBrowser);
    };
    document.head.appendChild(script);
  }

  function passkeyProblem(err) {
    // The person closed the dialog, or another request replaced this one: say so, unless it was ours.
    if (err && err.name === 'AbortError') return;
    showError(document, { message: t('passkey.cancelled') });
  }

  function afterPasskey(r, retry) {
    if (r.ok) {
      window.location.assign(r.body.status === 'authenticated' ? r.body.next || '/home' : '/verify');
      return;
    }
    if (r.body.error === 'challenge_expired') {
      window.location.assign('/verify');
      return;
    }
    showError(document, r.body);
    if (retry) retry();
  }

  // Sign-in page: the button, and the browser's own offer in the email field (conditional mediation).
  function passkeySignIn(lib, autofill) {
    return postJson('/passkey/options').then(function (r) {
      if (!r.ok) {
        if (!autofill) showError(document, r.body);
        return;
      }
      return lib.startAuthentication({ optionsJSON: r.body, useBrowserAutofill: autofill }).then(
        function (response) {
          return postJson('/passkey/verify', { response: response }).then(function (v) {
            afterPasskey(
              v,
              autofill
                ? function () {
                    passkeySignIn(lib, true);
                  }
                : null,
            );
          });
        },
        autofill ? function () {} : passkeyProblem,
      );
    });
  }

  var signInBox = document.getElementById('passkey-sign-in');
  if (signInBox && window.fetch && window.PublicKeyCredential) {
    withWebAuthn(function (lib) {
      if (!lib.browserSupportsWebAuthn()) return;
      signInBox.hidden = false;
      document.getElementById('passkey-button').addEventListener('click', function () {
        passkeySignIn(lib, false);
      });
      lib.browserSupportsWebAuthnAutofill().then(function (yes) {
        if (yes) passkeySignIn(lib, true);
      });
    });
  }

  // A pending second-factor step (or step-up) that offers a passkey.
  var stepBox = document.getElementById('passkey-step');
  if (stepBox && window.fetch && window.PublicKeyCredential) {
    withWebAuthn(function (lib) {
      if (!lib.browserSupportsWebAuthn()) return;
      stepBox.hidden = false;
      document.getElementById('passkey-step-button').addEventListener('click', function () {
        postJson('/passkey/options').then(function (r) {
          if (!r.ok) return afterPasskey(r);
          return lib.startAuthentication({ optionsJSON: r.body }).then(function (response) {
            return postJson('/passkey/verify', { response: response }).then(function (v) {
              afterPasskey(v);
            });
          }, passkeyProblem);
        });
      });
    });
  }

  // The security page: add a passkey (a sign-in of the last 5 minutes is needed: else step up first).
  var addBox = document.getElementById('passkey-add');
  if (addBox && window.fetch && window.PublicKeyCredential) {
    withWebAuthn(function (lib) {
      if (!lib.browserSupportsWebAuthn()) return;
      addBox.hidden = false;
      var button = document.getElementById('passkey-add-button');
      button.addEventListener('click', function () {
        button.disabled = true;
        var nameField = document.getElementById('passkey-new-name');
        var name = nameField && nameField.value.trim();
        postJson('/account/passkeys/options')
          .then(function (r) {
            if (r.body.error === 'step_up_required') {
              window.location.assign('/step-up?next=' + encodeURIComponent('/account/security#passkeys'));
              return;
            }
            if (!r.ok) return showError(document, r.body);
            return lib.startRegistration({ optionsJSON: r.body }).then(function (response) {
              var body = { response: response };
              if (name) body.name = name;
              return postJson('/account/passkeys', body).then(function (added) {
                if (added.ok) window.location.assign('/account/security?passkey=added#passkeys');
                else showError(document, added.body);
              });
            }, passkeyProblem);
          })
          .then(function () {
            button.disabled = false;
          });
      });
    });
  }

  var firstError = document.querySelector('#form-error:not([hidden])');
  if (firstError) firstError.focus();
})();
