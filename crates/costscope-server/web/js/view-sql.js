// The SQL workbench: an editor completing the tables and columns the principal may see,
// a results grid and a chart of the result, saved queries (in this browser) and the
// query history of the principal's workgroups.
'use strict';

(function () {
  const { el, fmt } = CS;
  const SAVED_KEY = 'costscope.saved-queries';
  const KEYWORDS = ['SELECT', 'FROM', 'WHERE', 'GROUP BY', 'ORDER BY', 'LIMIT', 'SUM', 'COUNT', 'AVG', 'MIN', 'MAX', 'AND', 'OR',
    'NOT', 'IN', 'LIKE', 'AS', 'DISTINCT', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST', 'DATE_TRUNC', 'HAVING', 'JOIN', 'ON', 'DESC', 'ASC'];
  const DEFAULT_SQL = "SELECT line_item_usage_account_name AS account,\n  SUM(line_item_unblended_cost) AS cost\nFROM cur\nGROUP BY 1\nORDER BY 2 DESC\nLIMIT 20";

  const saved = () => JSON.parse(localStorage.getItem(SAVED_KEY) || '[]');
  const store = (list) => localStorage.setItem(SAVED_KEY, JSON.stringify(list));

  /// The words to complete: keywords, tables and `table.column` as the session shows them.
  async function schemaWords(ctx) {
    const who = CS.who();
    const words = new Set([...KEYWORDS, ...who.tables]);
    try {
      const result = await ctx.call('POST', '/api/v1/sql', {
        sql: 'SELECT table_name, column_name FROM information_schema.columns ORDER BY table_name, ordinal_position',
      });
      for (const [table, column] of result.rows) {
        if (!who.tables.includes(table)) continue;
        words.add(column);
      }
    } catch (_) {
      // Completion falls back to tables and keywords.
    }
    return [...words];
  }

  /// Attaches completion to `textarea`: suggestions for the word before the cursor
  /// (Ctrl+Space, or as one types), arrows to choose, Enter or Tab to insert.
  function complete(textarea, words, status) {
    const list = el('ul.completion', { id: 'sql-completion', role: 'listbox', 'aria-label': 'Suggestions', hidden: true });
    let items = [];
    let active = 0;
    const wordAt = () => {
      const before = textarea.value.slice(0, textarea.selectionStart);
      const match = before.match(/[A-Za-z_][A-Za-z0-9_]*$/);
      return match ? match[0] : '';
    };
    const close = () => {
      list.hidden = true;
      items = [];
    };
    const show = (force) => {
      const word = wordAt();
      if (!word && !force) return close();
      if (word.length < 2 && !force) return close();
      const lower = word.toLowerCase();
      items = words.filter((w) => w.toLowerCase().startsWith(lower) && w.toLowerCase() !== lower).slice(0, 12);
      if (!items.length) return close();
      active = 0;
      list.replaceChildren(...items.map((w, i) => el('li', {
        role: 'option',
        id: `sql-option-${i}`,
        'aria-selected': i === active ? 'true' : 'false',
        onmousedown: (e) => {
          e.preventDefault();
          insert(w);
        },
      }, w)));
      list.hidden = false;
      status.textContent = `${items.length} suggestions`;
    };
    const insert = (w) => {
      const word = wordAt();
      const start = textarea.selectionStart - word.length;
      textarea.setRangeText(w, start, textarea.selectionStart, 'end');
      close();
      textarea.focus();
    };
    textarea.addEventListener('input', () => show(false));
    textarea.addEventListener('blur', () => setTimeout(close, 150));
    textarea.addEventListener('keydown', (e) => {
      if (e.key === ' ' && e.ctrlKey) {
        e.preventDefault();
        return show(true);
      }
      if (list.hidden) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        active = (active + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
        [...list.children].forEach((li, i) => li.setAttribute('aria-selected', i === active ? 'true' : 'false'));
      } else if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        insert(items[active]);
      } else if (e.key === 'Escape') {
        close();
      }
    });
    return list;
  }

  /// The result grid and a chart of the first text column by the first numeric one.
  function result(answer, elapsed) {
    const names = answer.columns.map((c) => c.name);
    const numeric = answer.columns.map((c) => /Int|Float|Decimal|UInt/.test(c.type));
    const rows = answer.rows.slice(0, 500).map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
    const columns = answer.columns.map((c, i) => ({ key: c.name, label: c.name, kind: numeric[i] ? 'num' : 'text' }));
    const parts = [el('p', { id: 'sql-status', text: `${answer.rows.length} rows in ${elapsed} ms${answer.rows.length > 500 ? ' (the first 500 shown)' : ''}` })];
    const labelIndex = numeric.findIndex((n) => !n);
    const valueIndex = numeric.findIndex((n) => n);
    if (labelIndex >= 0 && valueIndex >= 0 && answer.rows.length > 0) {
      const top = answer.rows.slice(0, 40);
      parts.push(CS.barChart(`${names[valueIndex]} by ${names[labelIndex]}`, top.map((r) => String(r[labelIndex])), [{
        name: names[valueIndex], data: top.map((r) => r[valueIndex]),
      }], { format: (v) => fmt.num(v), axis: (v) => fmt.num(v), height: 260 }));
    }
    parts.push(el('div.table-scroll.tall', {}, CS.table(columns, rows, { name: 'sql-result', caption: 'Result' })));
    return parts;
  }

  async function workbench(ctx, params) {
    const status = el('p.hint', { role: 'status', 'aria-live': 'polite' });
    const textarea = el('textarea', { id: 'sql-editor', spellcheck: 'false', 'aria-describedby': 'sql-help' });
    textarea.value = params.q || DEFAULT_SQL;
    const output = el('div', { id: 'sql-output' });
    const workgroups = CS.who().workgroups || [];
    const workgroup = workgroups.length > 1
      ? el('select', { id: 'sql-workgroup', 'aria-label': 'Workgroup' }, workgroups.map((w) => el('option', { value: w, text: w })))
      : null;
    const run = async () => {
      const sql = textarea.value.trim();
      if (!sql) return;
      const { view, filters, params: p } = CS.readLocation();
      history.replaceState(null, '', CS.locationOf(view, filters, { ...p, q: sql }));
      output.replaceChildren(el('p.loading', { text: 'Running…' }));
      const body = { sql };
      if (workgroup) body.workgroup = workgroup.value;
      const started = performance.now();
      try {
        const answer = await ctx.call('POST', '/api/v1/sql', body);
        output.replaceChildren(...result(answer, Math.round(performance.now() - started)));
      } catch (error) {
        output.replaceChildren(CS.errorNode(error));
      }
    };
    textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        run();
      }
    });
    const name = el('input', { id: 'sql-save-name', type: 'text', placeholder: 'name', 'aria-label': 'Name of the saved query' });
    const savedList = el('ul', { id: 'saved-queries' });
    const renderSaved = () => savedList.replaceChildren(...saved().map((q, i) => el('li', {},
      el('button.small.secondary', { type: 'button', onclick: () => { textarea.value = q.sql; run(); } }, q.name),
      ' ',
      el('button.small.secondary', { type: 'button', 'aria-label': `Delete ${q.name}`, onclick: () => { const l = saved(); l.splice(i, 1); store(l); renderSaved(); } }, '×'))));
    renderSaved();
    const save = () => {
      const label = name.value.trim() || `query ${saved().length + 1}`;
      store([...saved().filter((q) => q.name !== label), { name: label, sql: textarea.value }]);
      name.value = '';
      renderSaved();
    };
    const words = await schemaWords(ctx);
    const editor = el('div.editor', {}, el('label', { for: 'sql-editor', text: 'SQL (Athena-compatible, read-only)' }), textarea, complete(textarea, words, status));
    const panel = el('div.workbench', {},
      editor,
      el('p.hint', { id: 'sql-help', text: 'Ctrl+Enter runs; Ctrl+Space completes tables and columns you may query.' }),
      el('div.toolbar', {},
        el('button', { type: 'button', id: 'sql-run', onclick: run }, 'Run'),
        workgroup,
        name,
        el('button.secondary', { type: 'button', id: 'sql-save', onclick: save }, 'Save query')),
      status,
      el('h3', { text: 'Saved queries' }),
      savedList,
      output);
    if (params.q) setTimeout(run, 0);
    return panel;
  }

  async function historyPanel(ctx) {
    const records = await ctx.call('POST', '/api/v1/history', { limit: 25 });
    const rows = records.map((r) => ({ ...r, query: r.query || '' }));
    return el('div.table-scroll.tall', {}, CS.table([
      { key: 'started_at', label: 'Started' },
      { key: 'principal', label: 'Who' },
      { key: 'workgroup', label: 'Workgroup' },
      { key: 'status', label: 'Status' },
      { key: 'duration_ms', label: 'ms', kind: 'num' },
      { key: 'query', label: 'Query', render: (r) => el('code', { text: r.query.slice(0, 200) }) },
    ], rows, { name: 'history', caption: 'Latest queries of your workgroups' }));
  }

  CS.views.sql = {
    title: 'SQL',
    description: 'Query the tables you may see; results, a chart, saved queries and history.',
    needs: [],
    render(grid, f, params) {
      CS.addPanel(grid, { id: 'workbench', title: 'SQL workbench', wide: true, honours: [], load: (ctx) => workbench(ctx, params) });
      CS.addPanel(grid, { id: 'history', title: 'Workgroup history', wide: true, honours: [], load: historyPanel });
    },
  };
})();
