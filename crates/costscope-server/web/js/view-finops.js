// FinOps: the anomaly inbox with triage, the recommendation pipeline, tag compliance,
// commitment coverage and utilisation, data freshness and the audit log.
'use strict';

(function () {
  const { el, fmt } = CS;
  const FEEDBACK = [['confirmed', 'Confirm'], ['expected', 'Expected'], ['false-positive', 'False positive']];

  /// The cause tree of an anomaly: each level's change, largest first. A branch is open
  /// when its change is at least a tenth of the anomaly's, so the material causes show
  /// and the small ones stay one click away.
  function causeTree(node, root = node) {
    const children = (node.children || []).slice().sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
    const label = [
      el('span.level', { text: `${node.level} ` }),
      el('span', { text: node.value }),
      ' ',
      el('span.delta', { dataset: { value: node.delta }, text: fmt.signedUsd(node.delta) }),
      el('span.level', { text: ` (${fmt.usd(node.baseline)} → ${fmt.usd(node.actual)})` }),
    ];
    if (!children.length) return el('li', {}, ...label);
    const open = node === root || Math.abs(node.delta) >= 0.1 * Math.abs(root.delta);
    return el('li', {}, el('details', { open }, el('summary', {}, ...label),
      el('ul', {}, children.map((child) => causeTree(child, root)))));
  }

  /// An anomaly's explanation, cause tree and (for network cost) flow-log evidence.
  CS.anomalyDetail = async function (ctx, id) {
    const anomaly = await ctx.call('GET', `/api/v1/anomalies/${encodeURIComponent(id)}`);
    const parts = [
      el('h3', { text: `${anomaly.monitor}: ${anomaly.value}` }),
      el('p', { id: 'anomaly-explanation', text: anomaly.explanation }),
      CS.tiles([
        { id: 'impact', label: 'Impact', value: anomaly.impact },
        { id: 'expected', label: 'Expected', value: anomaly.expected },
        { id: 'actual', label: 'Actual', value: anomaly.actual },
      ]),
      el('h3', { text: 'Root cause' }),
      el('ul.tree', { id: 'cause-tree', 'aria-label': 'Root cause tree' }, causeTree(anomaly.root_cause)),
    ];
    if (anomaly.network_cause || (anomaly.evidence && anomaly.evidence.length)) {
      parts.push(el('h3', { text: 'Flow-log evidence' }));
      const evidence = el('div.evidence', { id: 'flow-evidence' });
      if (anomaly.network_cause) evidence.append(el('p', { text: anomaly.network_cause }));
      for (const e of anomaly.evidence || []) {
        evidence.append(CS.table([
          { key: 'nat_gateway_id', label: 'NAT gateway' },
          { key: 'route', label: 'Route' },
          { key: 'resources', label: 'Source resources' },
          { key: 'bytes', label: 'Bytes', kind: 'gb' },
          { key: 'monthly_saving', label: 'Saving/month', kind: 'usd' },
        ], [{
          ...e,
          route: `${e.source_az} → ${e.nat_az} → ${e.destination}`,
          resources: (e.source_resources || []).join(', '),
        }], { name: 'evidence', caption: `Fix: ${e.fix ? `${e.fix.kind} in ${e.fix.az}` : '—'} (${e.saving_method || ''})` }));
      }
      parts.push(evidence);
    }
    if (anomaly.feedback) {
      parts.push(el('p', { id: 'anomaly-feedback', text: `Triage: ${anomaly.feedback}` }));
    }
    return parts;
  };

  /// A table of anomalies; selecting one opens it in `detail` (a panel).
  CS.anomalyTable = function (ctx, anomalies, openDetail, selected) {
    const who = CS.who();
    const triage = (anomaly) => el('div.buttons', {}, FEEDBACK.map(([state, label]) => el('button.small.secondary', {
      type: 'button',
      dataset: { feedback: state, anomaly: anomaly.id },
      'aria-pressed': anomaly.feedback === state ? 'true' : 'false',
      onclick: async (event) => {
        event.stopPropagation();
        event.target.disabled = true;
        try {
          await ctx.call('POST', `/api/v1/anomalies/${encodeURIComponent(anomaly.id)}/feedback`, { state, note: 'triaged in the dashboard' });
          await ctx.reload();
          openDetail(anomaly.id);
        } catch (error) {
          ctx.body.prepend(CS.errorNode(error));
        }
      },
    }, label)));
    const columns = [
      { key: 'severity', label: 'Severity', render: (a) => CS.chip(a.severity, a.severity) },
      { key: 'start', label: 'Start' },
      { key: 'monitor', label: 'Monitor' },
      { key: 'value', label: 'What' },
      { key: 'impact', label: 'Impact', kind: 'usd' },
      { key: 'cause', label: 'Root cause', render: (a) => el('span', { text: a.explanation }) },
      { key: 'state', label: 'State', render: (a) => CS.chip(a.feedback || 'new', a.feedback ? 'ok' : 'warn') },
      { key: 'open', label: 'Open', render: (a) => el('button.small', { type: 'button', dataset: { open: a.id }, onclick: () => openDetail(a.id), 'aria-label': `Open anomaly ${a.id}` }, 'Open') },
    ];
    if (who.may_change_state) columns.push({ key: 'triage', label: 'Triage', render: triage });
    return CS.table(columns, anomalies, {
      name: 'anomalies',
      caption: `${anomalies.length} anomalies, largest impact first`,
      rowAttrs: (a) => ({ dataset: { anomaly: a.id, network: a.network_cause ? 'true' : 'false' }, class: a.id === selected ? 'selected' : null }),
    });
  };

  /// Opens anomaly `id` in the detail panel, keeping it in the URL.
  function detailOpener(detailPanel) {
    return (id) => {
      const { view, filters, params } = CS.readLocation();
      history.replaceState(null, '', CS.locationOf(view, filters, { ...params, anomaly: id }));
      detailPanel.show(id);
    };
  }

  /// A panel that shows one anomaly when asked.
  CS.anomalyDetailPanel = function (grid, initial) {
    let current = initial;
    const panel = CS.addPanel(grid, {
      id: 'anomaly-detail', title: 'Anomaly: root cause and evidence', wide: true, needs: ['cur'], honours: [],
      load: (ctx) => (current ? CS.anomalyDetail(ctx, current) : CS.empty('Open an anomaly to see its root cause.')),
    });
    return {
      show(id) {
        current = id;
        panel.reload().then(() => panel.section.scrollIntoView({ block: 'start' }));
      },
    };
  };

  async function inbox(ctx, f, params, opener) {
    const report = await ctx.call('POST', '/api/v1/anomalies', { measure: CS.costMeasure(f), all: true });
    const anomalies = report.anomalies.slice().sort((a, b) => b.impact - a.impact);
    const open = anomalies.filter((a) => !a.feedback);
    return [
      CS.tiles([
        { id: 'untriaged', label: 'To triage', value: open.length, kind: 'num' },
        { id: 'impact', label: 'Impact to triage', value: CS.sum(open, 'impact') },
        { id: 'as-of', label: `As of ${report.as_of}`, value: anomalies.length, kind: 'num', note: 'anomalies in the lookback' },
      ]),
      el('div.table-scroll.tall', {}, CS.anomalyTable(ctx, anomalies, opener, params.anomaly)),
    ];
  }

  /// The recommendation table with lifecycle buttons (for principals that may change state).
  CS.recommendationTable = function (ctx, recommendations, listRequest) {
    const who = CS.who();
    const act = (rec, action, body) => async (event) => {
      event.target.disabled = true;
      try {
        await ctx.call('POST', `/api/v1/recommendations/${encodeURIComponent(rec.id)}/${action}`, { options: listRequest, ...body });
        await ctx.reload();
      } catch (error) {
        ctx.body.prepend(CS.errorNode(error));
      }
    };
    const actions = (rec) => {
      const buttons = [];
      if (rec.status === 'open') {
        buttons.push(el('button.small', { type: 'button', dataset: { action: 'accept', rec: rec.id }, onclick: act(rec, 'accept', {}) }, 'Accept'));
        buttons.push(el('button.small.secondary', { type: 'button', dataset: { action: 'dismiss', rec: rec.id }, onclick: act(rec, 'dismiss', { reason: 'dismissed in the dashboard' }) }, 'Dismiss'));
      } else if (rec.status === 'accepted') {
        buttons.push(el('button.small', { type: 'button', dataset: { action: 'implement', rec: rec.id }, onclick: act(rec, 'implement', {}) }, 'Implemented'));
      } else {
        buttons.push(el('button.small.secondary', { type: 'button', dataset: { action: 'reopen', rec: rec.id }, onclick: act(rec, 'reopen', {}) }, 'Reopen'));
      }
      return el('div.buttons', {}, buttons);
    };
    const columns = [
      { key: 'status', label: 'Status', render: (r) => CS.chip(r.status, r.status === 'open' ? 'warn' : 'ok') },
      { key: 'team', label: 'Team' },
      { key: 'category', label: 'Category' },
      { key: 'resource_id', label: 'Resource' },
      { key: 'change', label: 'Change', render: (r) => el('span', { title: r.explanation, text: `${r.current || '—'} → ${r.recommended || '—'}` }) },
      { key: 'monthly_saving', label: 'Estimated/month', kind: 'usd' },
      { key: 'realized_monthly_saving', label: 'Realized/month', kind: 'usd' },
    ];
    if (who.may_change_state) columns.push({ key: 'actions', label: 'Actions', render: actions });
    return el('div.table-scroll.tall', {}, CS.table(columns, recommendations, {
      name: 'recommendations',
      caption: 'Recommendations, largest saving first',
      rowAttrs: (r) => ({ dataset: { rec: r.id, status: r.status } }),
    }));
  };

  async function pipeline(ctx, f) {
    const request = f.team ? { team: f.team } : {};
    const report = await ctx.call('POST', '/api/v1/recommend', request);
    const recs = report.recommendations.slice().sort((a, b) => b.monthly_saving - a.monthly_saving);
    const stages = ['open', 'accepted', 'implemented', 'dismissed'].map((status) => {
      const rows = recs.filter((r) => r.status === status);
      return { status, count: rows.length, estimated: CS.sum(rows, 'monthly_saving'), realized: CS.sum(rows, 'realized_monthly_saving') };
    });
    const chart = CS.barChart('Recommendation pipeline: estimated and realized monthly savings by stage', stages.map((s) => `${s.status} (${s.count})`), [
      { name: 'Estimated', data: stages.map((s) => s.estimated) },
      { name: 'Realized', data: stages.map((s) => s.realized) },
    ], { stack: false, height: 220 });
    return [chart, CS.recommendationTable(ctx, recs, request)];
  }

  async function tags(ctx, f) {
    const request = {
      required: ['department', 'team', 'app'],
      measure: CS.costMeasure(f),
      granularity: f.granularity || 'monthly',
      top: 10,
      allow_absent: true,
    };
    if (f.from) request.from = f.from;
    if (f.to) request.to = f.to;
    const report = await ctx.call('POST', '/api/v1/tags', request);
    const totals = report.totals.filter((t) => t.scope === 'overall');
    return [
      CS.table([
        { key: 'key', label: 'Tag' },
        { key: 'cost_pct', label: 'Cost tagged', kind: 'pct' },
        { key: 'resources_pct', label: 'Resources tagged', kind: 'pct' },
        { key: 'untagged', label: 'Untagged cost', kind: 'usd' },
      ], totals.map((t) => ({ ...t, untagged: t.cost_total - t.cost_tagged })), { name: 'tag-coverage', caption: 'Coverage of the required tags' }),
      el('h3', { text: 'Worst offenders' }),
      CS.table([
        { key: 'resource_id', label: 'Resource' },
        { key: 'account_name', label: 'Account' },
        { key: 'service', label: 'Service' },
        { key: 'missing', label: 'Missing' },
        { key: 'cost', label: 'Cost', kind: 'usd' },
      ], report.top_untagged.map((r) => ({ ...r, missing: r.missing_keys.join(', ') })), { name: 'untagged', caption: 'Untagged resources by cost' }),
    ];
  }

  async function commitments(ctx, f) {
    // Week by week from the first day of the period (or of the data).
    const first = f.from || (await ctx.call('POST', '/api/v1/cost', { granularity: 'monthly' })).from;
    const request = { from_week: first };
    if (f.to) request.week = CS.dayBefore(f.to);
    const report = await ctx.call('POST', '/api/v1/score/kpis', request);
    const rows = [];
    for (const week of report.weeks) {
      const entry = { week };
      for (const kpi of ['commitment-coverage', 'commitment-utilisation']) {
        const weekRows = report.rows.filter((r) => r.week === week && r.kpi === kpi);
        const eligible = CS.sum(weekRows, 'eligible');
        entry[kpi] = eligible ? (100 * CS.sum(weekRows, 'measured')) / eligible : null;
      }
      rows.push(entry);
    }
    const chart = CS.lineChart('Savings Plans and Reserved Instances: coverage and utilisation by week', rows.map((r) => r.week), [
      { name: 'Coverage', data: rows.map((r) => r['commitment-coverage']) },
      { name: 'Utilisation', data: rows.map((r) => r['commitment-utilisation']) },
    ], { axis: (v) => `${v}%`, format: (v) => fmt.pct(v), height: 220 });
    return [chart, CS.dataDetails('Coverage and utilisation (table)', CS.table([
      { key: 'week', label: 'Week' },
      { key: 'commitment-coverage', label: 'Coverage', kind: 'pct' },
      { key: 'commitment-utilisation', label: 'Utilisation', kind: 'pct' },
    ], rows, { name: 'commitments' }))];
  }

  /// The last ingest of each table and source, per billing period where the table is
  /// partitioned by month (the CUR), else of its newest partition (flow logs by day).
  async function freshness(ctx) {
    const partitions = await ctx.call('GET', '/api/v1/tables');
    const rows = [];
    for (const [key, parts] of CS.groupBy(partitions, (p) => `${p.table}|${p.source}`)) {
      const sorted = parts.slice().sort((a, b) => b.partition.localeCompare(a.partition));
      const monthly = sorted.every((p) => /^\d{4}-\d{2}$/.test(p.partition));
      for (const p of monthly ? sorted : sorted.slice(0, 1)) {
        rows.push({ ...p, partition: monthly ? p.partition : `${p.partition} (newest of ${sorted.length})`, key });
      }
    }
    return el('div.table-scroll.tall', {}, CS.table([
      { key: 'table', label: 'Table' },
      { key: 'partition', label: 'Billing period / partition' },
      { key: 'ingested_at', label: 'Last ingest' },
      { key: 'source', label: 'Source' },
    ], rows, { name: 'freshness', caption: 'Last ingest per source and billing period' }));
  }

  async function audit(ctx) {
    // State changes only: every read is audited too, and would crowd them out.
    const lists = await Promise.all(['anomaly.*', 'recommendation.*', 'access.*', 'ingest'].map((action) => ctx.call('POST', '/api/v1/audit/log', { action, limit: 10 })));
    // A change is written first as `started`, then its outcome refers to it: show one row
    // per change, with the outcome and the started entry's parameters.
    const entries = lists.flat();
    const bySeq = new Map(entries.map((e) => [e.seq, e]));
    const finished = new Set();
    const rows = entries.map((e) => {
      const started = (e.parameters.match(/^\{"started":(\d+)\}$/) || [])[1];
      if (!started) return e;
      finished.add(Number(started));
      return { ...e, parameters: (bySeq.get(Number(started)) || e).parameters };
    }).filter((e) => !(e.status === 'started' && finished.has(e.seq)))
      .sort((a, b) => b.seq - a.seq).slice(0, 15)
      .map((e) => ({ ...e, summary: e.parameters.length > 160 ? e.parameters.slice(0, 160) + '…' : e.parameters }));
    if (!rows.length) return CS.empty('No state change is recorded yet.');
    return CS.table([
      { key: 'seq', label: '#', kind: 'num' },
      { key: 'at', label: 'When' },
      { key: 'principal', label: 'Who' },
      { key: 'action', label: 'Action' },
      { key: 'status', label: 'Outcome' },
      { key: 'summary', label: 'Parameters', render: (e) => el('code', { text: e.summary }) },
    ], rows, { name: 'audit', caption: 'Latest state changes in the audit log' });
  }

  CS.views.finops = {
    title: 'FinOps',
    description: 'Triage anomalies, move recommendations forward, keep tags and commitments in shape.',
    needs: ['cur'],
    render(grid, f, params) {
      const detail = { show: () => {} };
      const opener = (id) => detail.show(id);
      CS.addPanel(grid, { id: 'inbox', title: 'Anomaly inbox', wide: true, needs: ['cur'], honours: ['measure'], load: (ctx) => inbox(ctx, f, params, opener) });
      Object.assign(detail, { show: detailOpener(CS.anomalyDetailPanel(grid, params.anomaly)) });
      CS.addPanel(grid, { id: 'pipeline', title: 'Recommendation pipeline', wide: true, needs: ['cur'], honours: ['team'], load: (ctx) => pipeline(ctx, f) });
      CS.addPanel(grid, { id: 'tags', title: 'Tag compliance', needs: ['cur'], honours: ['period', 'granularity', 'measure'], load: (ctx) => tags(ctx, f) });
      CS.addPanel(grid, { id: 'commitments', title: 'Savings Plans / RI coverage and utilisation', needs: ['cur'], honours: ['period'], load: (ctx) => commitments(ctx, f) });
      CS.addPanel(grid, { id: 'freshness', title: 'Data freshness', needs: [], honours: [], load: freshness });
      CS.addPanel(grid, { id: 'audit', title: 'Audit log', admin: true, honours: [], load: audit });
    },
  };
})();
