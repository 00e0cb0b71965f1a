// The atomic-db queue console. Stored data and names only ever reach the page through
// textContent and attributes: nothing here builds markup from text.
'use strict';

(function () {
  let token = null;
  let session = null;
  let peekQueue = null;

  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    if (cls) {
      e.className = cls;
    }
    return e;
  }

  async function api(path, body) {
    const opts = { credentials: 'same-origin', headers: {} };
    if (token) {
      opts.headers['X-Console-Token'] = token;
    }
    if (body !== undefined) {
      opts.method = 'POST';
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    let j;
    try {
      j = await r.json();
    } catch (e) {
      j = { error: 'HTTP ' + r.status };
    }
    if (!r.ok) {
      throw new Error(j.error || 'HTTP ' + r.status);
    }
    return j;
  }

  function showError(message) {
    const e = $('error');
    e.textContent = message;
    e.hidden = !message;
  }

  function showNotice(message) {
    const n = $('notice');
    n.textContent = message;
    n.hidden = !message;
  }

  function age(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }

  function cell(text, cls) {
    return el('td', text, cls);
  }

  function dataCell(value) {
    const td = el('td');
    td.appendChild(el('pre', value.data, 'data'));
    if (value.truncated) {
      td.appendChild(el('div', 'cut: ' + value.size + ' bytes stored, first '
        + value.data.length + ' characters of JSON shown', 'cut'));
    }
    return td;
  }

  // Rows are kept per key and updated in place, so that a button under the pointer stays the
  // same element while the page refreshes.
  function syncRows(tbody, list, keyOf, create, update) {
    const existing = new Map();
    for (const tr of Array.from(tbody.rows)) {
      existing.set(tr.dataset.key, tr);
    }
    const seen = new Set();
    let prev = null;
    for (const item of list) {
      const k = keyOf(item);
      seen.add(k);
      let tr = existing.get(k);
      if (!tr) {
        tr = create(item);
        tr.dataset.key = k;
      }
      update(tr, item);
      const want = prev ? prev.nextSibling : tbody.firstChild;
      if (want !== tr) {
        tbody.insertBefore(tr, want);
      }
      prev = tr;
    }
    for (const [k, tr] of existing) {
      if (!seen.has(k)) {
        tr.remove();
      }
    }
  }

  function setText(node, text) {
    const t = String(text);
    if (node.textContent !== t) {
      node.textContent = t;
    }
  }

  // ---------------------------------------------------------------- queues

  const latestQueues = new Map();

  function createQueueRow(q) {
    const tr = el('tr');
    tr.dataset.queue = q.name;
    const name = el('td', null, 'name');
    const link = el('button', q.name, 'link peek');
    link.type = 'button';
    link.title = 'peek at the entries';
    link.addEventListener('click', () => openPeek(q.name));
    name.appendChild(link);
    if (q.deadLetterOf) {
      tr.classList.add('dlq');
      name.appendChild(el('span', 'dead letters of ' + q.deadLetterOf, 'badge'));
    }
    tr.appendChild(name);
    for (const cls of ['available', 'inflight', 'delayed', 'oldest', 'deadletters']) {
      tr.appendChild(cell('', 'num ' + cls));
    }
    const actions = el('td', null, 'actions');
    if (q.deadLetterOf && !session.readOnly) {
      const b = el('button', 'redrive…', 'redrive');
      b.type = 'button';
      b.addEventListener('click', () => askRedrive(latestQueues.get(q.name) || q));
      actions.appendChild(b);
    }
    tr.appendChild(actions);
    return tr;
  }

  function updateQueueRow(tr, q) {
    const c = tr.cells;
    setText(c[1], q.available);
    setText(c[2], q.inFlight);
    setText(c[3], q.delayed);
    setText(c[4], q.available > 0 ? age(q.oldestAvailableAgeSeconds) : '-');
    setText(c[5], q.deadLetterQueue ? q.deadLetterDepth : '-');
    c[5].classList.toggle('warn', q.deadLetterDepth > 0);
  }

  function renderQueues(answer) {
    latestQueues.clear();
    for (const q of answer.queues) {
      latestQueues.set(q.name, q);
    }
    syncRows($('queues').tBodies[0], answer.queues, (q) => q.name, createQueueRow, updateQueueRow);
    $('no-queues').hidden = answer.queues.length > 0;
  }

  // ---------------------------------------------------------------- peek

  function openPeek(name) {
    peekQueue = name;
    $('peek-queue').textContent = name;
    $('entries').tBodies[0].replaceChildren();
    $('peek').hidden = false;
    refreshPeek().catch((e) => showError(e.message));
  }

  function createEntryRow(queue, e) {
    const tr = el('tr');
    tr.dataset.sk = e.sk;
    tr.appendChild(cell(e.sk, 'sk'));
    tr.appendChild(cell('', 'state'));
    tr.appendChild(cell('', 'num attempts'));
    tr.appendChild(cell('', 'num age'));
    tr.appendChild(cell('', 'until'));
    const data = el('td', null, 'data');
    data.appendChild(el('pre', '', 'data'));
    data.appendChild(el('div', '', 'cut'));
    tr.appendChild(data);
    const actions = el('td');
    if (!session.readOnly) {
      const b = el('button', 'delete…', 'delete');
      b.type = 'button';
      b.addEventListener('click', () => askDelete(queue, e.sk));
      actions.appendChild(b);
    }
    tr.appendChild(actions);
    return tr;
  }

  async function refreshPeek() {
    if (peekQueue === null) {
      return;
    }
    const name = peekQueue;
    const answer = await api('/api/peek?queue=' + encodeURIComponent(name) + '&limit=50');
    if (peekQueue !== name) {
      return;
    }
    syncRows($('entries').tBodies[0], answer.entries, (e) => e.sk,
      (e) => createEntryRow(name, e),
      (tr, e) => {
        const c = tr.cells;
        setText(c[1], e.state);
        setText(c[2], e.attempts);
        setText(c[3], age((answer.now - e.enqueuedAtMillis) / 1000));
        setText(c[4], e.untilMillis ? new Date(e.untilMillis).toISOString() : '-');
        setText(c[5].firstChild, e.data);
        setText(c[5].lastChild, e.truncated ? 'cut: ' + e.size + ' bytes stored, first '
          + e.data.length + ' characters of JSON shown' : '');
      });
    setText($('peek-count'), answer.entries.length === 0 ? 'The queue is empty.'
      : answer.entries.length + (answer.more ? ' first entries shown.' : ' entries.'));
  }

  // ---------------------------------------------------------------- confirmation

  function confirmAction(title, text, target, onOk) {
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('redrive-target-label').hidden = target === null;
    if (target !== null) {
      $('redrive-target').value = target;
    }
    const ok = $('confirm-ok');
    const cancel = $('confirm-cancel');
    const close = () => {
      $('confirm').hidden = true;
      ok.onclick = null;
      cancel.onclick = null;
    };
    ok.onclick = () => {
      const to = $('redrive-target').value;
      close();
      onOk(to).catch((e) => showError(e.message));
    };
    cancel.onclick = close;
    $('confirm').hidden = false;
    cancel.focus();
  }

  function askRedrive(q) {
    const n = q.available + q.delayed;
    confirmAction('Redrive ' + q.name,
      'Move every entry of "' + q.name + '" that is not being processed (' + n
        + ' now) to the end of the queue below, with attempts reset?',
      q.deadLetterOf,
      async (to) => {
        const r = await api('/api/redrive', { from: q.name, to: to, confirm: q.name });
        showNotice('moved ' + r.moved + ' entr' + (r.moved === 1 ? 'y' : 'ies') + ' from "'
          + r.from + '" to "' + r.to + '"');
        await refresh();
      });
  }

  function askDelete(queue, sk) {
    confirmAction('Delete an entry of ' + queue,
      'Delete entry "' + sk + '" of queue "' + queue + '", whoever is processing it? This cannot be undone.',
      null,
      async () => {
        await api('/api/delete', { queue: queue, sk: sk, confirm: sk });
        showNotice('deleted entry "' + sk + '" of "' + queue + '"');
        await refresh();
      });
  }

  // ---------------------------------------------------------------- items

  async function browseItems(event) {
    event.preventDefault();
    const pk = $('items-pk').value;
    const prefix = $('items-prefix').value;
    const limit = $('items-limit').value || '50';
    try {
      const answer = await api('/api/items?pk=' + encodeURIComponent(pk) + '&prefix='
        + encodeURIComponent(prefix) + '&limit=' + encodeURIComponent(limit));
      const rows = [];
      for (const it of answer.items) {
        const tr = el('tr');
        tr.dataset.sk = it.sk;
        tr.appendChild(cell(it.sk, 'sk'));
        tr.appendChild(cell(it.ttl === null ? '-' : new Date(it.ttl * 1000).toISOString()));
        tr.appendChild(dataCell(it));
        rows.push(tr);
      }
      $('items').tBodies[0].replaceChildren(...rows);
      $('items').hidden = rows.length === 0;
      $('items-count').textContent = rows.length === 0 ? 'No item.'
        : rows.length + (answer.more ? ' first items shown.' : ' items.');
      showError('');
    } catch (e) {
      showError(e.message);
    }
  }

  // ---------------------------------------------------------------- live updates

  async function refresh() {
    const answer = await api('/api/queues');
    renderQueues(answer);
    await refreshPeek();
    const s = $('status');
    s.textContent = 'live, updated ' + new Date(answer.now).toLocaleTimeString();
    s.classList.remove('stale');
  }

  function poll() {
    refresh()
      .then(() => showError(''))
      .catch((e) => {
        const s = $('status');
        s.textContent = 'not updating: ' + e.message;
        s.classList.add('stale');
      })
      .finally(() => {
        setTimeout(poll, session.pollMillis);
      });
  }

  async function start() {
    $('items-form').addEventListener('submit', browseItems);
    $('peek-close').addEventListener('click', () => {
      peekQueue = null;
      $('peek').hidden = true;
    });
    try {
      session = await api('/api/session');
    } catch (e) {
      showError(e.message);
      $('status').textContent = 'not connected';
      return;
    }
    token = session.token;
    $('store').textContent = session.store + (session.readOnly ? ' (read-only)' : '');
    poll();
  }

  document.addEventListener('DOMContentLoaded', start);
})();
