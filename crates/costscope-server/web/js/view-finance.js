// Finance: allocation (direct, shared, total per team and billing period) with CSV,
// budgets, invoice reconciliation and the chargeback export.
'use strict';

(function () {
  const { el } = CS;

  /// A SQL string literal.
  const literal = (text) => `'${String(text).replace(/'/g, "''")}'`;

  function allocateRequest(rules, f) {
    const request = { rules, measure: CS.costMeasure(f) };
    if (f.from) request.from = CS.month(f.from);
    if (f.to) request.to = CS.month(CS.dayBefore(f.to));
    return request;
  }

  async function allocation(ctx, f) {
    const report = await ctx.call('POST', '/api/v1/allocate', allocateRequest(await CS.document('allocation.yaml'), f));
    const rows = f.team ? report.rows.filter((r) => r.team === f.team) : report.rows;
    const periods = [...new Set(rows.map((r) => r.period))].sort();
    const teams = [...new Set(rows.map((r) => r.team))];
    const columns = [
      { key: 'period', label: 'Billing period' },
      { key: 'team', label: 'Team' },
      { key: 'direct', label: 'Direct', kind: 'usd' },
      { key: 'shared', label: 'Shared', kind: 'usd' },
      { key: 'total', label: 'Total', kind: 'usd' },
    ];
    const download = el('button.secondary', {
      type: 'button',
      id: 'allocation-csv',
      onclick: () => CS.download(`allocation-${report.measure}.csv`, CS.csv(columns, rows)),
    }, 'Download CSV');
    const chart = CS.barChart(`Allocated cost by team and billing period (${report.measure})`, periods, teams.map((team) => ({
      name: team,
      data: periods.map((p) => CS.sum(rows.filter((r) => r.team === team && r.period === p), 'total')),
    })));
    const bills = report.periods.map((p) => ({ ...p }));
    return [
      el('div.toolbar', {}, download),
      chart,
      el('div.table-scroll.tall', {}, CS.table(columns, rows, { name: 'allocation', caption: 'Direct and shared cost per team and billing period' })),
      el('h3', { text: 'Every dollar allocated' }),
      CS.table([
        { key: 'period', label: 'Billing period' },
        { key: 'bill', label: 'Bill', kind: 'usd' },
        { key: 'direct', label: 'Direct', kind: 'usd' },
        { key: 'shared', label: 'Shared', kind: 'usd' },
        { key: 'unallocated', label: 'Unallocated', kind: 'usd' },
      ], bills, { name: 'allocation-bill', caption: 'The bill against what was allocated' }),
    ];
  }

  async function chargeback(ctx, f) {
    const report = await ctx.call('POST', '/api/v1/allocate', allocateRequest(await CS.document('allocation.yaml'), f));
    // One line per team, period and component: its direct cost and each shared pool.
    const lines = [];
    for (const row of report.rows) lines.push({ period: row.period, team: row.team, component: 'direct', amount: row.direct, currency: row.currency });
    for (const pool of report.pools) {
      for (const share of pool.shares) {
        lines.push({ period: pool.period, team: share.team, component: `shared:${pool.pool} (${pool.applied})`, amount: share.amount, currency: pool.currency });
      }
    }
    lines.sort((a, b) => a.period.localeCompare(b.period) || a.team.localeCompare(b.team) || a.component.localeCompare(b.component));
    const kept = f.team ? lines.filter((l) => l.team === f.team) : lines;
    const columns = [
      { key: 'period', label: 'billing_period' },
      { key: 'team', label: 'team' },
      { key: 'component', label: 'component' },
      { key: 'amount', label: 'amount' },
      { key: 'currency', label: 'currency' },
    ];
    const periods = [...new Set(kept.map((l) => l.period))];
    return [
      el('p', { text: `${kept.length} lines over ${periods.length} billing periods: each team's direct cost and its share of every shared pool, ready for the ledger.` }),
      el('div.toolbar', {}, el('button', {
        type: 'button',
        id: 'chargeback-csv',
        onclick: () => CS.download(`chargeback-${report.measure}.csv`, CS.csv(columns, kept)),
      }, 'Download chargeback CSV')),
      CS.dataDetails('Chargeback lines (table)', el('div.table-scroll.tall', {}, CS.table([
        { key: 'period', label: 'Period' },
        { key: 'team', label: 'Team' },
        { key: 'component', label: 'Component' },
        { key: 'amount', label: 'Amount', kind: 'usd' },
      ], kept, { name: 'chargeback' }))),
    ];
  }

  async function budgets(ctx) {
    const report = await ctx.call('POST', '/api/v1/budgets', { file: await CS.document('budgets.yaml') });
    return CS.table([
      { key: 'name', label: 'Budget' },
      { key: 'scope', label: 'Scope' },
      { key: 'period', label: 'Period' },
      { key: 'budget', label: 'Amount', kind: 'usd' },
      { key: 'actual', label: 'Actual', kind: 'usd' },
      { key: 'forecast_mean', label: 'Forecast', kind: 'usd' },
      { key: 'forecast_percent', label: 'Forecast %', kind: 'pct' },
      { key: 'state', label: 'State', render: (b) => CS.chip(b.state, b.state === 'over' ? 'bad' : b.state === 'ok' || b.state === 'under' ? 'ok' : 'warn') },
    ], report.budgets.map((b) => ({ ...b, forecast_mean: b.forecast.mean })), { name: 'budgets', caption: `Budgets as of ${report.as_of} (budgets.yaml)` });
  }

  async function invoices(ctx, f) {
    const amortized = CS.who().admin || CS.who().tables.includes('cur_amortized');
    const where = [];
    if (f.from) where.push(`line_item_usage_start_date >= TIMESTAMP ${literal(f.from + ' 00:00:00')}`);
    if (f.to) where.push(`line_item_usage_start_date < TIMESTAMP ${literal(f.to + ' 00:00:00')}`);
    if (f.account) where.push(`(line_item_usage_account_name = ${literal(f.account)} OR line_item_usage_account_id = ${literal(f.account)})`);
    if (f.service) where.push(`line_item_product_code = ${literal(f.service)}`);
    const sql = [
      'SELECT CAST(bill_billing_period_start_date AS DATE) AS billing_period,',
      "  COALESCE(bill_invoice_id, '(not invoiced yet)') AS invoice_id,",
      '  bill_billing_entity AS billing_entity,',
      '  SUM(line_item_unblended_cost) AS unblended,',
      amortized ? '  SUM(amortized_cost) AS amortized,' : null,
      '  SUM(line_item_net_unblended_cost) AS net_unblended',
      `FROM ${amortized ? 'cur_amortized' : 'cur'}`,
      where.length ? `WHERE ${where.join(' AND ')}` : null,
      'GROUP BY 1, 2, 3',
      'ORDER BY 1, 2, 3',
    ].filter(Boolean).join('\n');
    const result = await ctx.call('POST', '/api/v1/sql', { sql });
    const names = result.columns.map((c) => c.name);
    const rows = result.rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
    const money = names.filter((n) => !['billing_period', 'invoice_id', 'billing_entity'].includes(n));
    return CS.table([
      { key: 'billing_period', label: 'Billing period' },
      { key: 'invoice_id', label: 'Invoice' },
      { key: 'billing_entity', label: 'Billing entity' },
      ...money.map((n) => ({ key: n, label: n.replace('_', ' '), kind: 'usd' })),
    ], rows, { name: 'invoices', caption: 'Totals by invoice and billing entity' });
  }

  /// The allocation rules and budgets the dashboard sends: the repository's examples
  /// until this browser keeps its own.
  async function documents() {
    const editors = await Promise.all(['allocation.yaml', 'budgets.yaml'].map(async (name) => {
      const current = await CS.document(name);
      const id = `document-${name.replace('.', '-')}`;
      const area = el('textarea', { id, rows: 12, spellcheck: 'false', class: 'document' });
      area.value = current.text;
      const status = el('span.hint', { role: 'status', text: `from ${current.origin}` });
      const save = () => {
        localStorage.setItem('costscope.document.' + name, area.value);
        delete CS.documents[name];
        status.textContent = 'saved in this browser; views use it from now on';
      };
      const reset = () => {
        localStorage.removeItem('costscope.document.' + name);
        delete CS.documents[name];
        status.textContent = 'back to the example';
      };
      return el('details', {},
        el('summary', { text: name }),
        el('label', { for: id, text: `${name} (YAML, see docs/${name === 'budgets.yaml' ? 'budgets' : 'allocation'}.md)` }),
        area,
        el('div.toolbar', {},
          el('button', { type: 'button', onclick: save }, 'Save'),
          el('button.secondary', { type: 'button', onclick: reset }, 'Use the example'),
          status));
    }));
    return [el('p.hint', { text: 'Allocation and budgets are computed from these documents; the server checks them on every request.' }), ...editors];
  }

  CS.views.finance = {
    title: 'Finance',
    description: 'Allocation and chargeback per team and billing period, budgets, invoices.',
    needs: ['cur'],
    render(grid, f) {
      CS.addPanel(grid, { id: 'allocation', title: 'Allocation', wide: true, needs: ['cur'], honours: ['period', 'measure', 'team'], load: (ctx) => allocation(ctx, f) });
      CS.addPanel(grid, { id: 'invoices', title: 'Invoice reconciliation', needs: ['cur'], honours: ['period', 'account', 'service'], load: (ctx) => invoices(ctx, f) });
      CS.addPanel(grid, { id: 'budgets', title: 'Budgets', needs: ['cur'], honours: [], load: budgets });
      CS.addPanel(grid, { id: 'chargeback', title: 'Chargeback export', needs: ['cur'], honours: ['period', 'measure', 'team'], load: (ctx) => chargeback(ctx, f) });
      CS.addPanel(grid, { id: 'documents', title: 'Allocation rules and budgets', needs: ['cur'], honours: [], load: documents });
    },
  };

})();
