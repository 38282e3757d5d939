// Slate's web app: one small script, no framework. The server renders every
// piece of HTML (escaping user text); this script only
//  - sends forms and buttons marked data-api="METHOD /api/v1/..." to the
//    JSON API with the session's CSRF token, then runs their data-done steps;
//  - swaps in fragments: an element with data-src is re-rendered by the
//    server and replaced whole ("refresh:ID"), panels load from data-panel;
//  - opens the estimate dialog and the credits drawer;
//  - listens to the organisation's live events (EventSource) to refresh
//    what changed, move the credits counter and raise notifications.
// User text never reaches innerHTML from here: only server-rendered HTML
// does; messages are set with textContent.
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  var body = document.body;
  var orgID = body.dataset.org || '';
  var holder = document.querySelector('[data-project]');
  var projectID = holder ? holder.dataset.project : '';

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // busy counts the requests in flight, shown as data-busy on <html>, so a
  // person's assistive tools and the browser tests can tell when the page
  // has settled after an action.
  var inFlight = 0;
  function busy(p) {
    inFlight++;
    document.documentElement.dataset.busy = String(inFlight);
    return p.finally(function () {
      inFlight--;
      document.documentElement.dataset.busy = String(inFlight);
    });
  }
  document.documentElement.dataset.busy = '0';

  // api sends one request to the JSON API; it resolves with the decoded
  // body or rejects with the problem's detail.
  function api(method, url, data) {
    var headers = {'Accept': 'application/json', 'X-CSRF-Token': csrf};
    var init = {method: method, headers: headers, credentials: 'same-origin'};
    if (method !== 'GET') headers['Idempotency-Key'] = key();
    if (data !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(data);
    }
    return busy(fetch(url, init).then(function (res) {
      var type = res.headers.get('Content-Type') || '';
      var parsed = type.indexOf('json') >= 0 ? res.json() : res.text();
      return parsed.then(function (b) {
        if (res.ok) return b;
        var msg = (b && (b.detail || b.title)) || (res.status + ' ' + res.statusText);
        if (res.status === 401) msg += ' — sign in again.';
        var err = new Error(msg);
        err.status = res.status;
        err.problem = b;
        throw err;
      });
    }));
  }

  function key() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  // html fetches a server-rendered fragment (GET, or POST with a body).
  function html(url, data) {
    var init = {credentials: 'same-origin', headers: {'X-CSRF-Token': csrf, 'Accept': 'text/html'}};
    if (data !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(data);
    }
    return busy(fetch(url, init).then(function (res) {
      return res.text().then(function (text) {
        var doc = new DOMParser().parseFromString(text, 'text/html');
        if (!res.ok) {
          var msg = $('[role=alert]', doc);
          throw new Error(msg && msg.textContent ? msg.textContent : res.status + ' ' + res.statusText);
        }
        return doc.body.firstElementChild;
      });
    }));
  }

  // formData turns a form's named controls into the JSON body the API
  // takes: data-type="int", "ms" (seconds in the field, milliseconds sent),
  // "list" (comma-separated), "set" (checked boxes of one name) and
  // dotted names for nested objects (camera.lens).
  function formData(form) {
    var out = {};
    $all('input[name], select[name], textarea[name]', form).forEach(function (el) {
      if (el.disabled) return;
      var type = el.dataset.type || '';
      var v;
      if (el.type === 'checkbox') {
        if (type === 'set') {
          var list = get(out, el.name) || [];
          if (el.checked) list.push(el.value);
          set(out, el.name, list);
          return;
        }
        v = el.checked;
      } else if (el.type === 'radio') {
        if (!el.checked) return;
        v = el.value;
      } else {
        v = el.value;
        if (type === 'int') { if (v === '') return; v = parseInt(v, 10); }
        else if (type === 'ms') { if (v === '') return; v = Math.round(parseFloat(v) * 1000); }
        else if (type === 'list') v = v.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
        // Whole numbers become numbers; anything else stays text, so the
        // API's error names the field.
        else if (type === 'int-list') v = v.split(',').map(function (s) { return s.trim(); }).filter(Boolean)
          .map(function (s) { return /^-?\d+$/.test(s) ? parseInt(s, 10) : s; });
        else if (type === 'optional-int') { if (v === '') return; v = parseInt(v, 10); }
      }
      set(out, el.name, v);
    });
    return out;
  }
  function get(obj, path) {
    return path.split('.').reduce(function (o, k) { return o ? o[k] : undefined; }, obj);
  }
  function set(obj, path, v) {
    var keys = path.split('.');
    var last = keys.pop();
    keys.forEach(function (k) { obj = obj[k] = obj[k] || {}; });
    obj[last] = v;
  }

  // act runs a data-api element: a form's fields or a button's data-body.
  function act(el) {
    var spec = el.dataset.api.split(' ');
    var data;
    if (el.tagName === 'FORM') data = formData(el);
    else if (el.dataset.body) data = JSON.parse(el.dataset.body);
    else if (spec[0] !== 'DELETE') data = {};
    if (el.dataset.confirm && !window.confirm(el.dataset.confirm)) return;
    var errors = el.tagName === 'FORM' ? $('[data-errors]', el) : null;
    if (!errors) {
      var scope = el.closest('form, section, dialog');
      errors = scope ? $('[data-errors]', scope) : null;
    }
    if (errors) errors.textContent = '';
    var controls = el.tagName === 'FORM' ? $all('button', el) : [el];
    controls.forEach(function (b) { b.setAttribute('aria-busy', 'true'); b.disabled = true; });
    return busy(api(spec[0], spec[1], data).then(function (res) {
      return done(el.dataset.done || '', res, el);
    }).catch(function (err) {
      if (errors) errors.textContent = err.message;
      else toast(err.message, 'error');
    }).then(function () {
      controls.forEach(function (b) { if (b.isConnected) { b.removeAttribute('aria-busy'); b.disabled = false; } });
    }));
  }

  // done runs the steps after a change, separated by spaces: refresh:ID,
  // panel:KIND/ID, go:URL, reload, close, reestimate, show:ID and notify
  // (the element's data-notify text). {id} and {org_id} stand for those
  // fields of the API's answer.
  function done(steps, res, el) {
    var id = res && res.id ? res.id : '';
    var chain = Promise.resolve();
    steps.split(' ').filter(Boolean).forEach(function (step) {
      var i = step.indexOf(':');
      var verb = i < 0 ? step : step.slice(0, i);
      var arg = i < 0 ? '' : step.slice(i + 1).replace('{id}', encodeURIComponent(id))
        .replace('{org_id}', encodeURIComponent((res && res.org_id) || ''));
      chain = chain.then(function () {
        switch (verb) {
          case 'refresh': return refresh(arg);
          case 'panel': return showPanel(arg, true);
          case 'go': window.location.assign(arg || '/'); return;
          case 'reload': window.location.reload(); return;
          case 'close': closeDialog(); return;
          case 'reestimate': return reestimate(el.closest('form'));
          case 'notify': toast(el.dataset.notify || 'Done.'); return;
          case 'show': show(arg, res); return;
        }
      });
    });
    return chain;
  }

  // show fills an element's [data-field] children from the API's answer (a
  // token or secret shown once) and unhides it.
  function show(id, res) {
    var box = document.getElementById(id);
    if (!box) return;
    $all('[data-field]', box).forEach(function (f) {
      var v = res ? res[f.dataset.field] : '';
      f.textContent = v == null ? '' : String(v);
    });
    box.hidden = false;
  }

  // refresh re-renders the element with this id from its data-src.
  var refreshing = {};
  function refresh(id) {
    var el = document.getElementById(id);
    if (!el || !el.dataset.src) return Promise.resolve();
    if (refreshing[id]) { refreshing[id].again = true; return refreshing[id].p; }
    var state = {again: false};
    state.p = html(el.dataset.src).then(function (fresh) {
      var now = document.getElementById(id);
      if (!now || !fresh) return;
      // Keep the keyboard's place: focus the control with the same id in
      // the new fragment (every control that acts on a row has one).
      var focused = document.activeElement && now.contains(document.activeElement) ? document.activeElement.id : '';
      keepState(now, fresh);
      now.replaceWith(fresh);
      if (focused) {
        var again = document.getElementById(focused);
        if (again) again.focus();
      }
    }).catch(function (err) { toast(err.message, 'error'); }).then(function () {
      delete refreshing[id];
      if (state.again) return refresh(id);
    });
    refreshing[id] = state;
    return state.p;
  }

  // keepState carries ticked shots and open groups over a refresh.
  function keepState(old, fresh) {
    $all('input.pick:checked', old).forEach(function (c) {
      var same = fresh.querySelector('input.pick[value="' + CSS.escape(c.value) + '"]');
      if (same) same.checked = true;
    });
    $all('details[open][id]', old).forEach(function (d) {
      var same = fresh.querySelector('#' + CSS.escape(d.id));
      if (same) same.open = true;
    });
    $all('details[id]:not([open])', old).forEach(function (d) {
      var same = fresh.querySelector('#' + CSS.escape(d.id));
      if (same) same.open = false;
    });
  }

  // showPanel loads a project panel ("shot/ID", "project") into the page.
  function showPanel(which, push) {
    if (!projectID) return Promise.resolve();
    var url = '/panel/project/' + projectID + (which === 'project' ? '' : '/' + which);
    return html(url).then(function (fresh) {
      var old = document.getElementById('panel');
      if (old && fresh) old.replaceWith(fresh);
      if (push) {
        var q = which === 'project' ? '' : '?' + which.replace('/', '=');
        history.pushState({panel: which}, '', window.location.pathname + q);
      }
      var h = $('#panel h1');
      if (h) { h.tabIndex = -1; h.focus(); }
    }).catch(function (err) { toast(err.message, 'error'); });
  }
  window.addEventListener('popstate', function () {
    var q = new URLSearchParams(window.location.search);
    var which = 'project';
    ['shot', 'scene', 'act'].forEach(function (k) { if (q.get(k) && which === 'project') which = k + '/' + q.get(k); });
    showPanel(which, false);
  });

  // The estimate dialog: the server prices the picked shots; unticking a
  // line or changing tier or engine asks again.
  var dialog = document.getElementById('dialog');
  function openEstimate(selection) {
    if (!projectID) return;
    var req = {selection: selection, tier: '', engine: '', skip: []};
    return html('/panel/estimate/' + projectID, req).then(function (form) {
      dialog.replaceChildren(form);
      if (!dialog.open) dialog.showModal();
      var first = $('select, input, button', form);
      if (first) first.focus();
    }).catch(function (err) { toast(err.message, 'error'); });
  }
  function reestimate(form) {
    if (!form) return;
    var req = {selection: JSON.parse(form.dataset.selection), tier: form.elements.tier.value,
      engine: form.elements.engine.value, skip: []};
    $all('input[name=keep]', form).forEach(function (c) { if (!c.checked) req.skip.push(c.value); });
    var focused = document.activeElement && document.activeElement.name;
    return html(form.dataset.estimateForm, req).then(function (fresh) {
      form.replaceWith(fresh);
      var again = focused && fresh.elements[focused];
      if (again && again.focus) (again.length ? again[0] : again).focus();
    }).catch(function (err) { toast(err.message, 'error'); });
  }
  function closeDialog() { if (dialog && dialog.open) dialog.close(); }

  // The credits drawer.
  function openDrawer(btn, url) {
    var drawer = document.getElementById('drawer');
    if (!drawer.hidden && drawer.dataset.src === url) {
      drawer.hidden = true; btn.setAttribute('aria-expanded', 'false'); btn.focus(); return;
    }
    return html(url).then(function (fresh) {
      drawer.replaceChildren(fresh);
      drawer.dataset.src = url;
      drawer.hidden = false;
      btn.setAttribute('aria-expanded', 'true');
      drawer.focus();
    }).catch(function (err) { toast(err.message, 'error'); });
  }

  // Notifications: a toast for the moment, and a list under Alerts.
  var unread = 0;
  function toast(text, kind) {
    var box = document.getElementById('toasts');
    if (!box) return;
    var p = document.createElement('p');
    p.className = 'toast ' + (kind || '');
    p.textContent = text;
    box.appendChild(p);
    setTimeout(function () { p.remove(); }, kind === 'error' ? 9000 : 5000);
  }
  function notify(text, kind) {
    toast(text, kind);
    var list = document.getElementById('notification-list');
    if (!list) return;
    var empty = $('.empty', list);
    if (empty) empty.remove();
    var li = document.createElement('li');
    li.className = kind || '';
    var t = document.createElement('time');
    t.textContent = new Date().toLocaleTimeString();
    li.append(t, ' ', text);
    list.prepend(li);
    unread++;
    var count = document.getElementById('alert-count');
    if (count) { count.textContent = String(unread); count.classList.add('unread'); }
  }

  // Clicks: data-api buttons, panel links, estimates, dialog and drawer.
  document.addEventListener('click', function (e) {
    var t = e.target.closest('button, a');
    if (!t) return;
    if (t.tagName === 'BUTTON' && t.dataset.api) { e.preventDefault(); act(t); return; }
    if (t.dataset.panel && projectID && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
      e.preventDefault(); showPanel(t.dataset.panel, true); return;
    }
    if (t.dataset.estimate) { e.preventDefault(); openEstimate(JSON.parse(t.dataset.estimate)); return; }
    if (t.hasAttribute('data-estimate-picked')) {
      var ids = $all('#tree input.pick:checked').map(function (c) { return c.value; });
      if (!ids.length) { toast('Tick one or more shots in the tree first.', 'error'); return; }
      openEstimate({shots: ids}); return;
    }
    if (t.dataset.setTier) {
      var form = t.closest('form');
      form.elements.tier.value = t.dataset.setTier;
      reestimate(form); return;
    }
    if (t.hasAttribute('data-close')) { closeDialog(); return; }
    if (t.dataset.drawer) { openDrawer(t, t.dataset.drawer); return; }
    if (t.id === 'bell') {
      var n = document.getElementById('notifications');
      n.hidden = !n.hidden;
      t.setAttribute('aria-expanded', String(!n.hidden));
      unread = 0;
      var count = document.getElementById('alert-count');
      count.textContent = '0';
      count.classList.remove('unread');
      return;
    }
    if (t.hasAttribute('data-drawer-close')) {
      document.getElementById('drawer').hidden = true;
      var c = document.getElementById('credits-counter');
      if (c) { c.setAttribute('aria-expanded', 'false'); c.focus(); }
      return;
    }
    if (t.dataset.fragmentLink) {
      e.preventDefault();
      var target = document.getElementById(t.dataset.fragmentLink);
      html(t.getAttribute('href')).then(function (fresh) { target.replaceWith(fresh); })
        .catch(function (err) { toast(err.message, 'error'); });
    }
  });
  document.addEventListener('submit', function (e) {
    var f = e.target;
    if (f.dataset.api) { e.preventDefault(); act(f); return; }
    // A GET form marked data-fragment-form="ID" (filters of the credits
    // history) reloads that fragment instead of the page.
    if (f.dataset.fragmentForm) {
      e.preventDefault();
      var url = f.getAttribute('action') + '?' + new URLSearchParams(new FormData(f)).toString();
      var target = document.getElementById(f.dataset.fragmentForm);
      html(url).then(function (fresh) { target.replaceWith(fresh); })
        .catch(function (err) { toast(err.message, 'error'); });
    }
  });
  document.addEventListener('change', function (e) {
    var el = e.target;
    if (el.hasAttribute('data-go')) { window.location.assign(el.value); return; }
    if (el.hasAttribute('data-submit')) { el.form.submit(); return; }
    if (el.hasAttribute('data-reestimate')) reestimate(el.closest('form'));
  });
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') return;
    var drawer = document.getElementById('drawer');
    if (drawer && !drawer.hidden) {
      drawer.hidden = true;
      var c = document.getElementById('credits-counter');
      if (c) { c.setAttribute('aria-expanded', 'false'); c.focus(); }
    }
  });

  // Live events. Job states and locks re-render the fragments that show
  // them; progress only moves the queue's bars; balance sets the counter.
  var lastState = {};
  var pending = {};
  function refreshLive(kind) {
    $all('[data-live~="' + kind + '"][id]').forEach(function (el) {
      if (pending[el.id]) return;
      pending[el.id] = setTimeout(function () { delete pending[el.id]; refresh(el.id); }, 150);
    });
  }
  function connect() {
    if (!orgID || !window.EventSource) return;
    var es = new EventSource('/api/v1/orgs/' + orgID + '/events');
    es.addEventListener('balance', function (m) {
      var c = JSON.parse(m.data).payload || {};
      var out = document.getElementById('credits-available');
      if (out && typeof c.available === 'number') {
        out.dataset.credits = String(c.available);
        out.textContent = c.available.toLocaleString('en-GB');
      }
      refreshLive('balance');
    });
    es.addEventListener('job', function (m) {
      var ev = JSON.parse(m.data);
      var j = ev.payload || {};
      var changed = lastState[j.id] !== j.state;
      lastState[j.id] = j.state;
      var bar = document.querySelector('progress[data-job="' + CSS.escape(j.id || '') + '"]');
      if (bar) { bar.value = j.progress || 0; bar.textContent = (j.progress || 0) + '%'; }
      refreshLive('progress');
      if (!changed) return;
      refreshLive('state');
      if (j.state === 'succeeded') refreshLive('take');
      var name = j.export_id ? 'Export' : 'Shot “' + (j.shot_name || j.shot_id) + '”';
      if (j.state === 'failed') notify(name + ' failed: ' + ((j.error && j.error.message) || 'unknown error'), 'error');
      if (j.export_id && j.state === 'succeeded') notify('Export ready to download.');
      if (['succeeded', 'failed', 'canceled'].indexOf(j.state) >= 0 && j.batch_id && !j.export_id) batchDone(j.batch_id);
    });
    es.addEventListener('lock', function (m) {
      var ev = JSON.parse(m.data).payload || {};
      refreshLive('lock');
      if (ev.element) toast((ev.locked ? 'Locked: ' : 'Unlocked: ') + (ev.element.name || ev.element.kind));
    });
    es.addEventListener('alert', function (m) {
      var a = JSON.parse(m.data).payload || {};
      notify(a.kind === 'percent_used'
        ? 'Budget alert: ' + a.threshold + '% of the monthly allocation is spent.'
        : 'Budget alert: available credits fell below ' + Number(a.threshold).toLocaleString('en-GB') + '.', 'alert');
    });
  }
  // batchDone says once when every job of a batch has finished.
  var told = {};
  var checking = {};
  function batchDone(id) {
    if (told[id] || checking[id]) return;
    checking[id] = setTimeout(function () {
      delete checking[id];
      api('GET', '/api/v1/batches/' + encodeURIComponent(id)).then(function (b) {
        var s = b.states || {};
        var finished = (s.succeeded || 0) + (s.failed || 0) + (s.canceled || 0);
        if (told[id] || finished < b.jobs) return;
        told[id] = true;
        notify('Batch finished: ' + (s.succeeded || 0) + ' succeeded, ' + (s.failed || 0) + ' failed, ' +
          (s.canceled || 0) + ' cancelled; ' + b.spent.toLocaleString('en-GB') + ' credits spent.');
      }).catch(function () {});
    }, 300);
  }
  connect();
})();
