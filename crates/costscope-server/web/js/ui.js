// Panels, tables, tiles and the dialog that shows the request behind a panel's numbers.
'use strict';

(function () {
  const { el, fmt } = CS;

  /// The requests a panel made, shown as the API call (and SQL) that produced it.
  function showSource(title, requests) {
    const dialog = document.getElementById('source-dialog');
    const body = dialog.querySelector('.source-body');
    body.replaceChildren();
    dialog.querySelector('h2').textContent = `Where the numbers of “${title}” come from`;
    for (const request of requests) {
      const block = el('div.source-request');
      block.append(el('h3', { text: `${request.method} ${request.path}` }));
      if (request.ms !== undefined) block.append(el('p', { text: `Answered in ${request.ms} ms.` }));
      if (request.body && request.body.sql) {
        block.append(el('p', { text: 'SQL, run in your session (your grants apply):' }));
        block.append(el('pre.sql', { text: request.body.sql }));
      }
      if (request.body !== undefined) {
        block.append(el('p', { text: 'Request body:' }));
        block.append(el('pre', { text: JSON.stringify(request.body, documentReplacer, 2) }));
      }
      block.append(el('p', { text: 'The same call with curl:' }));
      block.append(el('pre.curl', { text: CS.describeRequest(request) }));
      body.append(block);
    }
    if (!requests.length) body.append(el('p', { text: 'This panel made no request.' }));
    dialog.showModal();
  }
  CS.showSource = showSource;

  // Long documents (rules, budgets) are shortened in the dialog; curl has them whole.
  function documentReplacer(key, value) {
    if (key === 'text' && typeof value === 'string' && value.length > 300) {
      return value.slice(0, 300) + `… (${value.length} characters)`;
    }
    return value;
  }

  /// A panel: a titled section that loads its content with `load(ctx)`. `ctx.call`
  /// records each API request for the panel's “source” button; a failed load shows the
  /// API's message in the panel.
  CS.panel = function (parent, spec) {
    const requests = [];
    const sourceButton = el('button.source', {
      type: 'button',
      title: 'Show the API request (and SQL) behind these numbers',
      'aria-label': `Source of ${spec.title}`,
      onclick: () => showSource(spec.title, requests),
    }, '</>');
    const body = el('div.panel-body', { 'aria-busy': 'true' }, el('p.loading', { text: 'Loading…' }));
    const headingId = `panel-${spec.id}-title`;
    const section = el(
      'section.panel' + (spec.wide ? '.wide' : ''),
      { id: `panel-${spec.id}`, 'aria-labelledby': headingId, dataset: { panel: spec.id } },
      el('header', {}, el('h2', { id: headingId, text: spec.title }), sourceButton),
      spec.honours ? el('p.honours', { text: honoursText(spec.honours) }) : null,
      body,
    );
    parent.append(section);
    const ctx = {
      requests,
      section,
      body,
      async call(method, path, payload) {
        const request = { method, path, body: payload };
        requests.push(request);
        const started = performance.now();
        try {
          return await CS.api(method, path, payload);
        } finally {
          request.ms = Math.round(performance.now() - started);
        }
      },
      reload: () => run(),
    };
    async function run() {
      requests.length = 0;
      body.setAttribute('aria-busy', 'true');
      const started = performance.now();
      try {
        const content = await spec.load(ctx);
        body.replaceChildren(...[content].flat().filter(Boolean));
      } catch (error) {
        body.replaceChildren(errorNode(error));
      } finally {
        body.removeAttribute('aria-busy');
        section.dataset.loadedMs = String(Math.round(performance.now() - started));
        section.dataset.loaded = 'true';
      }
    }
    ctx.done = run();
    return ctx;
  };

  function honoursText(honours) {
    return honours.length ? `Filters applied: ${honours.join(', ')}` : 'Filters do not apply here';
  }

  function errorNode(error) {
    const message = error instanceof CS.ApiError ? `${error.message} (${error.kind})` : String(error);
    return el('p.error', { role: 'alert', text: message });
  }
  CS.errorNode = errorNode;

  /// A table of `rows` with `columns` ({key, label, kind: usd|num|pct|share|gb|text,
  /// render(row) -> Node}). Numbers keep their exact value in `data-value`.
  CS.table = function (columns, rows, options = {}) {
    const head = el('tr', {}, columns.map((c) => el('th', {
      scope: 'col',
      class: c.kind && c.kind !== 'text' ? 'number' : null,
      text: c.label,
    })));
    const bodyRows = rows.map((row, index) => {
      const tr = el('tr', options.rowAttrs ? options.rowAttrs(row, index) : {});
      for (const c of columns) {
        const value = row[c.key];
        if (c.render) {
          tr.append(el('td', { class: c.kind && c.kind !== 'text' ? 'number' : null }, c.render(row)));
        } else if (c.kind && c.kind !== 'text') {
          const text = value === null || value === undefined ? '—' : fmt[c.kind](value);
          tr.append(el('td.number', { dataset: { value: value ?? '' }, text }));
        } else {
          tr.append(el('td', { text: value === null || value === undefined ? '—' : String(value) }));
        }
      }
      return tr;
    });
    const table = el(
      'table',
      { dataset: options.name ? { table: options.name } : {} },
      options.caption ? el('caption', { text: options.caption }) : null,
      el('thead', {}, head),
      el('tbody', {}, bodyRows),
    );
    const label = `${options.caption || options.name || 'data'} (table)`;
    return el('div.table-scroll', { tabindex: '0', role: 'region', 'aria-label': label }, table);
  };

  /// A row of headline numbers: [{label, value, kind, note}].
  CS.tiles = function (tiles) {
    return el('div.tiles', {}, tiles.map((t) => el(
      'div.tile',
      { dataset: { tile: t.id || t.label } },
      el('div.tile-label', { text: t.label }),
      el('div.tile-value', { dataset: { value: t.value ?? '' }, text: fmt[t.kind || 'usd'](t.value) }),
      t.note ? el('div.tile-note', { text: t.note }) : null,
    )));
  };

  /// A collapsible table under a chart: the chart's numbers, readable and testable.
  CS.dataDetails = function (summary, tableNode, open = false) {
    return el('details.data', { open }, el('summary', { text: summary }), tableNode);
  };

  CS.empty = (text) => el('p.empty', { text });

  /// A status chip.
  CS.chip = (text, kind) => el('span.chip' + (kind ? '.' + kind : ''), { text });
})();
