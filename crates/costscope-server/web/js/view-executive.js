// Executive: spend by month with the forecast and budget, top movers, unit cost and ROI,
// the efficiency league table and realized savings.
'use strict';

(function () {
  const { el, fmt } = CS;

  /// The budget scope that matches the filters (only one filter, or none, can match).
  function budgetScope(f) {
    const set = [
      f.account && `account=${f.account}`,
      f.team && `team=${f.team}`,
      f.service && `service=${f.service}`,
      f.tag && `tag:${f.tag}`,
    ].filter(Boolean);
    if (set.length > 1) return null;
    return set[0] || 'overall';
  }

  async function spend(ctx, f) {
    const request = CS.costRequest(f, [], { granularity: 'monthly' });
    const [report, budgets] = await Promise.all([
      ctx.call('POST', '/api/v1/cost', request),
      ctx.call('POST', '/api/v1/budgets', { file: await CS.document('budgets.yaml') }),
    ]);
    const months = report.rows.map((r) => ({ period: r.period.slice(0, 7), amount: r.amount }));
    const scope = budgetScope(f);
    const budget = budgets.budgets.find((b) => b.scope === scope && b.period === 'monthly');
    const last = months[months.length - 1];
    const tiles = [
      { id: 'last-month', label: last ? `Spend ${last.period}` : 'Spend', value: last ? last.amount : null },
      { id: 'total', label: 'Spend over the period', value: CS.sum(months, 'amount') },
    ];
    const forecastSeries = months.map(() => null);
    let budgetLine;
    if (budget) {
      const index = months.findIndex((m) => m.period === budget.period_start.slice(0, 7));
      if (index >= 0) forecastSeries[index] = Math.max(0, budget.forecast.mean - budget.actual);
      tiles.push(
        { id: 'forecast', label: `Forecast to ${budget.period_end}`, value: budget.forecast.mean, note: `${budget.measure}, ${budget.method}` },
        { id: 'budget', label: `Budget “${budget.name}”`, value: budget.budget, note: `${fmt.pct(budget.forecast_percent, 0)} forecast · ${budget.state}` },
      );
      budgetLine = { silent: true, symbol: 'none', lineStyle: { color: '#b91c1c', type: 'dashed' }, label: { formatter: 'budget', position: 'insideEndTop' }, data: [{ yAxis: budget.budget }] };
    }
    const chart = CS.barChart('Spend by month' + (budget ? ', with the forecast to month end and the budget' : ''), months.map((m) => m.period), [
      { name: 'Spend', data: months.map((m) => m.amount), markLine: budgetLine },
      ...(budget ? [{ name: 'Forecast remainder', data: forecastSeries, itemStyle: { color: '#fbbf24' } }] : []),
    ]);
    const table = CS.table([
      { key: 'period', label: 'Month' },
      { key: 'amount', label: 'Spend', kind: 'usd' },
    ], months, { name: 'spend-by-month', caption: `Spend by month, ${report.measure}` });
    const note = budget ? null : CS.empty(scope ? `No monthly budget in budgets.yaml for scope ${scope}.` : 'Budgets match one filter at most.');
    return [CS.tiles(tiles), chart, note, CS.dataDetails('Spend by month (table)', table)];
  }

  async function movers(ctx, f) {
    const report = await ctx.call('POST', '/api/v1/cost', CS.costRequest(f, ['service'], { granularity: 'monthly' }));
    const periods = [...new Set(report.rows.map((r) => r.period))].sort();
    if (periods.length < 2) return CS.empty('Top movers need two months of data in the period.');
    const [previous, current] = periods.slice(-2);
    const changes = new Map();
    for (const row of report.rows) {
      if (row.period !== previous && row.period !== current) continue;
      const key = `${row.service}|${row.service_name}`;
      const named = row.service_name && row.service_name !== '(none)' && row.service_name !== 'Others';
      const entry = changes.get(key) || { service: named ? row.service_name : row.service || '(no service)', previous: 0, current: 0 };
      entry[row.period === current ? 'current' : 'previous'] += row.amount;
      changes.set(key, entry);
    }
    const rows = [...changes.values()]
      .map((c) => ({ ...c, change: c.current - c.previous, percent: c.previous ? (100 * (c.current - c.previous)) / c.previous : null }))
      .sort((a, b) => Math.abs(b.change) - Math.abs(a.change))
      .slice(0, 8);
    const chart = CS.barChart(`Largest changes by service from ${previous.slice(0, 7)} to ${current.slice(0, 7)}`, rows.map((r) => r.service), [{
      name: 'Change',
      data: rows.map((r) => ({ value: r.change, itemStyle: { color: r.change > 0 ? '#dc2626' : '#059669' } })),
    }], { horizontal: true, height: 260 });
    const table = CS.table([
      { key: 'service', label: 'Service' },
      { key: 'previous', label: previous.slice(0, 7), kind: 'usd' },
      { key: 'current', label: current.slice(0, 7), kind: 'usd' },
      { key: 'change', label: 'Change', kind: 'signedUsd' },
      { key: 'percent', label: '%', kind: 'pct' },
    ], rows, { name: 'top-movers', caption: 'Services whose spend changed most' });
    return [chart, table];
  }

  async function unitCost(ctx, f, params) {
    const metrics = await ctx.call('POST', '/api/v1/sql', { sql: 'SELECT DISTINCT metric FROM business_metrics ORDER BY metric' });
    const names = metrics.rows.map((r) => r[0]).filter((m) => m !== 'revenue');
    if (!names.length) return CS.empty('No business metrics are ingested (costscope ingest metrics).');
    const metric = names.includes(params.metric) ? params.metric : names.includes('orders') ? 'orders' : names[0];
    const scope = [f.account && `account=${f.account}`, f.service && `service=${f.service}`, f.tag && `tag:${f.tag}`].filter(Boolean);
    const request = {
      metric,
      scope,
      granularity: f.granularity === 'daily' ? 'daily' : f.granularity === 'weekly' ? 'weekly' : 'monthly',
      measure: CS.costMeasure(f),
    };
    if (f.from) request.start = f.from;
    if (f.to) request.end = f.to;
    const report = await ctx.call('POST', '/api/v1/unit-cost', request);
    const picker = el('select', { id: 'unit-metric', 'aria-label': 'Business metric', onchange: (e) => CS.setParam('metric', e.target.value) },
      names.map((n) => el('option', { value: n, selected: n === metric, text: n })));
    const periods = report.periods;
    const chart = CS.lineChart(`Cost per ${metric} and ROI by period`, periods.map((p) => p.period), [
      { name: `Cost per ${metric}`, data: periods.map((p) => p.cost_per_unit) },
      { name: 'ROI', data: periods.map((p) => p.roi), yAxisIndex: 1 },
    ], { axis: (v) => fmt.usd(v), axis2: (v) => `${(100 * v).toFixed(0)}%` });
    const table = CS.table([
      { key: 'period', label: 'Period' },
      { key: 'cost', label: 'Cost', kind: 'usd' },
      { key: 'units', label: metric, kind: 'num' },
      { key: 'cost_per_unit', label: 'Per unit', kind: 'usd' },
      { key: 'revenue', label: 'Revenue', kind: 'usd' },
      { key: 'roi', label: 'ROI', kind: 'share' },
    ], periods, { name: 'unit-cost', caption: `Cost per ${metric}` });
    return [el('div.field', {}, el('label', { for: 'unit-metric', text: 'Metric ' }), picker), el('p', { text: report.summary ? report.summary.text : '' }), chart, table];
  }

  async function league(ctx) {
    const report = await ctx.call('POST', '/api/v1/score', {});
    const rows = report.teams.slice().sort((a, b) => a.rank - b.rank).map((t) => ({
      rank: t.rank,
      team: t.team,
      score: t.score,
      change: t.change,
      eligible_spend: t.eligible_spend,
      action: t.actions[0] ? `${t.actions[0].action} (${t.actions[0].target})` : '—',
    }));
    return [
      el('p', { text: `Week ${report.week}; organisation score ${fmt.num(report.organisation.score)} (${report.organisation.change >= 0 ? '+' : ''}${fmt.num(report.organisation.change)}).` }),
      CS.table([
        { key: 'rank', label: '#', kind: 'num' },
        { key: 'team', label: 'Team' },
        { key: 'score', label: 'Score', kind: 'num' },
        { key: 'change', label: 'Change', kind: 'num' },
        { key: 'eligible_spend', label: 'Eligible spend', kind: 'usd' },
        { key: 'action', label: 'Top action' },
      ], rows, { name: 'league', caption: 'Efficiency league table' }),
    ];
  }

  async function savings(ctx) {
    const report = await ctx.call('POST', '/api/v1/recommend', {});
    const by = (status) => report.recommendations.filter((r) => r.status === status);
    const implemented = by('implemented');
    const tiles = CS.tiles([
      { id: 'realized', label: 'Realized monthly savings', value: CS.sum(implemented, 'realized_monthly_saving'), note: `${implemented.length} implemented` },
      { id: 'estimated-implemented', label: 'Estimated for those', value: CS.sum(implemented, 'monthly_saving') },
      { id: 'accepted', label: 'Accepted, to implement', value: CS.sum(by('accepted'), 'monthly_saving'), note: `${by('accepted').length} accepted` },
      { id: 'open', label: 'Open opportunities', value: CS.sum(by('open'), 'monthly_saving'), note: `${by('open').length} open` },
    ]);
    const table = implemented.length
      ? CS.table([
        { key: 'id', label: 'Recommendation' },
        { key: 'implemented_on', label: 'Implemented' },
        { key: 'monthly_saving', label: 'Estimated', kind: 'usd' },
        { key: 'realized_monthly_saving', label: 'Realized', kind: 'usd' },
      ], implemented, { name: 'realized', caption: 'Implemented recommendations' })
      : CS.empty('No recommendation is implemented yet.');
    return [tiles, table];
  }

  CS.views.executive = {
    title: 'Executive',
    description: 'Where the money goes, where it is heading, and what efficiency work has saved.',
    needs: ['cur'],
    render(grid, f, params) {
      const cost = CS.COST_FILTERS.filter((n) => n !== 'granularity');
      CS.addPanel(grid, { id: 'spend', title: 'Spend by month, forecast and budget', needs: ['cur'], honours: cost, load: (ctx) => spend(ctx, f) });
      CS.addPanel(grid, { id: 'movers', title: 'Top movers (last two months)', needs: ['cur'], honours: cost, load: (ctx) => movers(ctx, f) });
      CS.addPanel(grid, {
        id: 'unit-cost', title: 'Unit cost and ROI', needs: ['cur', 'business_metrics'],
        honours: ['period', 'granularity', 'measure', 'account', 'service', 'tag'], load: (ctx) => unitCost(ctx, f, params),
      });
      CS.addPanel(grid, { id: 'league', title: 'Efficiency league table', needs: ['cur'], honours: [], load: league });
      CS.addPanel(grid, { id: 'savings', title: 'Realized savings', needs: ['cur'], honours: [], load: savings });
    },
  };
})();
