// Team: one team's cost by service and resource, its score and actions, its
// recommendations, its anomalies with the cause tree and the network evidence from the
// flow logs (cross-AZ matrix, NAT talkers) down to the resource.
'use strict';

(function () {
  const { el, fmt } = CS;

  /// The team of the view: the filter's, else the largest the principal sees.
  async function chooseTeam(f) {
    if (f.team) return f.team;
    const report = await CS.api('POST', '/api/v1/cost', { group_by: ['team'], granularity: 'monthly', measure: 'unblended', filters: [] });
    const totals = new Map();
    for (const row of report.rows) {
      if (!row.team || row.team.startsWith('(')) continue;
      totals.set(row.team, (totals.get(row.team) || 0) + row.amount);
    }
    const sorted = [...totals.entries()].sort((a, b) => b[1] - a[1]);
    return sorted.length ? sorted[0][0] : '';
  }

  async function byService(ctx, f) {
    const report = await ctx.call('POST', '/api/v1/cost', CS.costRequest(f, ['service'], { top: 8 }));
    const periods = [...new Set(report.rows.map((r) => r.period))].sort();
    const services = CS.groupBy(report.rows, (r) => r.service_name || r.service);
    const series = [...services.entries()].map(([name, rows]) => ({
      name,
      data: periods.map((p) => CS.sum(rows.filter((r) => r.period === p), 'amount')),
    }));
    const totals = [...services.entries()].map(([service, rows]) => ({ service, amount: CS.sum(rows, 'amount') }))
      .sort((a, b) => b.amount - a.amount);
    return [
      CS.barChart(`Cost of ${f.team} by service and ${f.granularity || 'monthly'} period`, periods.map((p) => p.slice(0, 10)), series),
      CS.dataDetails('Cost by service (table)', CS.table([
        { key: 'service', label: 'Service' },
        { key: 'amount', label: 'Cost over the period', kind: 'usd' },
      ], totals, { name: 'team-services' }), true),
    ];
  }

  async function byResource(ctx, f) {
    const report = await ctx.call('POST', '/api/v1/cost', CS.costRequest(f, ['resource'], { top: 15, granularity: 'monthly' }));
    const totals = [...CS.groupBy(report.rows, (r) => r.resource).entries()]
      .map(([resource, rows]) => ({ resource: resource || '(no resource id)', amount: CS.sum(rows, 'amount') }))
      .sort((a, b) => (a.resource === 'Others') - (b.resource === 'Others') || b.amount - a.amount);
    return el('div.table-scroll.tall', {}, CS.table([
      { key: 'resource', label: 'Resource' },
      { key: 'amount', label: 'Cost', kind: 'usd' },
    ], totals, { name: 'team-resources', caption: 'The 15 costliest resources; the rest as Others' }));
  }

  async function score(ctx, team) {
    const report = await ctx.call('POST', '/api/v1/score', { team });
    const entry = report.teams.find((t) => t.team === team);
    if (!entry) return CS.empty(`No score for ${team} in week ${report.week}.`);
    return [
      CS.tiles([
        { id: 'score', label: `Score, week ${report.week}`, value: entry.score, kind: 'num', note: `rank ${entry.rank} of ${report.teams.length}` },
        { id: 'change', label: 'Change', value: entry.change, kind: 'num' },
        { id: 'eligible', label: 'Eligible spend', value: entry.eligible_spend },
      ]),
      CS.table([
        { key: 'kpi', label: 'Component' },
        { key: 'value', label: 'Value', kind: 'share' },
        { key: 'goal', label: 'Goal', kind: 'share' },
        { key: 'points', label: 'Points', kind: 'num' },
        { key: 'max_points', label: 'Of', kind: 'num' },
      ], entry.components, { name: 'score-components', caption: 'Score components' }),
      el('h3', { text: 'Top actions' }),
      el('ol', { id: 'score-actions' }, entry.actions.map((a) => el('li', {
        text: `${a.action} — ${a.target}: +${fmt.num(a.points)} points, ${fmt.usd(a.saving)}/week`,
      }))),
    ];
  }

  async function recommendations(ctx, team) {
    const request = { team };
    const report = await ctx.call('POST', '/api/v1/recommend', request);
    const recs = report.recommendations.slice().sort((a, b) => b.monthly_saving - a.monthly_saving);
    if (!recs.length) return CS.empty(`No recommendation for ${team}.`);
    return CS.recommendationTable(ctx, recs, request);
  }

  /// Whether an anomaly concerns `team`: its monitor is the team, or the team's tag
  /// carries at least a fifth of the change in its cause tree.
  function concerns(anomaly, team) {
    if (anomaly.monitor === 'teams' && anomaly.value === team) return true;
    let share = 0;
    const stack = [anomaly.root_cause];
    while (stack.length) {
      const node = stack.pop();
      if (node.level === 'tag' && node.value === team) share += node.delta;
      else stack.push(...(node.children || []));
    }
    return anomaly.root_cause.delta !== 0 && share / anomaly.root_cause.delta >= 0.2;
  }

  async function anomalies(ctx, f, team, opener, selected) {
    const report = await ctx.call('POST', '/api/v1/anomalies', { measure: CS.costMeasure(f), all: true });
    const mine = report.anomalies.filter((a) => concerns(a, team)).sort((a, b) => b.impact - a.impact);
    if (!mine.length) return CS.empty(`No anomaly concerns ${team}.`);
    return el('div.table-scroll.tall', {}, CS.anomalyTable(ctx, mine, opener, selected));
  }

  /// The cross-AZ matrix (GB and cost per source and destination AZ) and its resource pairs.
  async function crossAz(ctx, team) {
    const report = await ctx.call('POST', '/api/v1/network/cross-az', { team, limit: 20 });
    if (!report.matrix.length) return CS.empty(`No cross-AZ traffic of ${team} in the flow logs.`);
    const sources = [...new Set(report.matrix.map((m) => m.source_az))].sort();
    const destinations = [...new Set(report.matrix.map((m) => m.destination_az))].sort();
    const cell = (s, d) => report.matrix.find((m) => m.source_az === s && m.destination_az === d);
    const matrix = el('div.table-scroll', {}, el('table.matrix', { dataset: { table: 'cross-az-matrix' } },
      el('caption', { text: `Cross-AZ GB (estimated cost), ${report.window.from} to ${report.window.to}` }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'From \\ to' }), destinations.map((d) => el('th.number', { scope: 'col', text: d })))),
      el('tbody', {}, sources.map((s) => el('tr', {}, el('th', { scope: 'row', text: s }), destinations.map((d) => {
        const c = cell(s, d);
        return el('td.number', { dataset: { value: c ? c.gb : '' }, text: c ? `${fmt.num(c.gb)} (${fmt.usd(c.estimated_cost)})` : '—' });
      })))),
    ));
    const pairs = CS.table([
      { key: 'source_resource', label: 'Source' },
      { key: 'source_az', label: 'From' },
      { key: 'destination_resource', label: 'Destination' },
      { key: 'destination_az', label: 'To' },
      { key: 'gb', label: 'GB', kind: 'num' },
      { key: 'estimated_cost', label: 'Cost', kind: 'usd' },
    ], report.rows, { name: 'cross-az-pairs', caption: 'Resource pairs, largest first' });
    return [CS.tiles([{ id: 'cross-az-cost', label: 'Estimated cross-AZ cost', value: report.total_estimated_cost }]), matrix, pairs];
  }

  async function nat(ctx, team) {
    const report = await ctx.call('POST', '/api/v1/network/nat', { team, limit: 15 });
    if (!report.sources.length) return CS.empty(`No NAT gateway traffic of ${team} in the flow logs.`);
    return CS.table([
      { key: 'source_resource', label: 'Talker' },
      { key: 'source_az', label: 'AZ' },
      { key: 'nat_gateway_id', label: 'NAT gateway' },
      { key: 'nat_az', label: 'NAT AZ' },
      { key: 'destination', label: 'To' },
      { key: 'gb', label: 'GB', kind: 'num' },
      { key: 'processing_cost', label: 'Processing', kind: 'usd' },
      { key: 'cross_az_cost', label: 'Cross-AZ', kind: 'usd' },
    ], report.sources, { name: 'nat-talkers', caption: 'NAT gateway talkers, largest first' });
  }

  CS.views.team = {
    title: 'Team',
    description: 'One team: its cost, score, recommendations, anomalies and network evidence.',
    needs: ['cur'],
    render(grid, f, params) {
      const pending = el('p.loading', { text: 'Choosing the team…' });
      grid.append(pending);
      const ready = chooseTeam(f).then((team) => {
        pending.remove();
        if (!team) {
          grid.append(CS.empty('No team is visible: tag resources with team or give allocation rules.'));
          return;
        }
        const scoped = { ...f, team };
        const heading = document.querySelector('main h1');
        if (heading) heading.textContent = `Team: ${team}`;
        const detail = { show: () => {} };
        const opener = (id) => detail.show(id);
        CS.addPanel(grid, { id: 'team-services', title: 'Cost by service', needs: ['cur'], honours: CS.COST_FILTERS, load: (ctx) => byService(ctx, scoped) });
        CS.addPanel(grid, { id: 'team-resources', title: 'Cost by resource', needs: ['cur'], honours: CS.COST_FILTERS.filter((n) => n !== 'granularity'), load: (ctx) => byResource(ctx, scoped) });
        CS.addPanel(grid, { id: 'team-score', title: 'Efficiency score', needs: ['cur'], honours: ['team'], load: (ctx) => score(ctx, team) });
        CS.addPanel(grid, { id: 'team-recommendations', title: 'Recommendations', wide: true, needs: ['cur'], honours: ['team'], load: (ctx) => recommendations(ctx, team) });
        CS.addPanel(grid, { id: 'team-anomalies', title: 'Anomalies', wide: true, needs: ['cur'], honours: ['team', 'measure'], load: (ctx) => anomalies(ctx, f, team, opener, params.anomaly) });
        const detailPanel = CS.anomalyDetailPanel(grid, params.anomaly);
        detail.show = (id) => {
          const { view, filters, params: p } = CS.readLocation();
          history.replaceState(null, '', CS.locationOf(view, filters, { ...p, anomaly: id }));
          detailPanel.show(id);
        };
        CS.addPanel(grid, { id: 'cross-az', title: 'Cross-AZ traffic (flow logs)', wide: true, needs: ['flow_logs', 'inventory'], honours: ['team'], load: (ctx) => crossAz(ctx, team) });
        CS.addPanel(grid, { id: 'nat', title: 'NAT gateway talkers (flow logs)', wide: true, needs: ['flow_logs', 'inventory'], honours: ['team'], load: (ctx) => nat(ctx, team) });
      });
      CS.panels.push({ done: ready });
    },
  };
})();
