/*
 * Support console (GET /console). Plain modern JavaScript with standard DOM, fetch and
 * sessionStorage only (current Chromium and Firefox), no framework, no build step. It calls only
 * the public REST API, with the key kept in this tab's sessionStorage. Everything the API returns
 * is untrusted: it is only ever written with textContent, and only http(s) links are made.
 */
const KEY_ITEM = 'support-console:api-key';
const $ = (id) => document.getElementById(id);

// --- DOM helpers ---------------------------------------------------------------------------------

/** el('td', { class: 'num', 'data-value': 3 }, 'text', child) — attributes via setAttribute, text as text. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

const clear = (node) => node.replaceChildren();
const show = (node, on) => (node.hidden = !on);

const utc = (iso) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '');
const time = (iso) => (iso ? el('time', { datetime: iso }, utc(iso)) : '—');

/** 75 → "1 min 15 s"; 5400 → "1 h 30 min"; 200000 → "2 d 7 h". */
function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, seconds);
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.round((s % 86400) / 3600)} h`;
}
/** Axis labels: one unit. */
function shortDuration(s) {
  if (s < 60) return `${+s.toFixed(1)} s`;
  if (s < 3600) return `${+(s / 60).toFixed(1)} min`;
  if (s < 86400) return `${+(s / 3600).toFixed(1)} h`;
  return `${+(s / 86400).toFixed(1)} d`;
}
const percent = (r) => (r === null || r === undefined ? '—' : `${+(r * 100).toFixed(1)} %`);
const bytes = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${Math.round(n / 1e3)} KB` : `${n} B`);
const safeUrl = (u) => {
  try {
    const url = new URL(u, document.baseURI);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
};

// --- the API ------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function explain(status, err) {
  const details = Array.isArray(err.details)
    ? err.details.map((d) => (typeof d === 'string' ? d : [d.path, d.message].filter(Boolean).join(': '))).join('; ')
    : '';
  const message = `${err.message ?? `The API answered ${status}.`}${details ? ` (${details})` : ''}`;
  const code = err.code ? ` ${err.code}` : '';
  if (status === 401) return `The API did not accept this key (401${code}): ${message} Enter a valid key above.`;
  if (status === 403) return `This key may not do this (403${code}): ${message}`;
  if (status >= 400 && status < 500) return `The API refused the request (${status}${code}): ${message}`;
  return `The API failed (${status}${code}): ${message} It is safe to try again.`;
}

/** GET a path of this API (relative, so the console works under any stage prefix) with the tab's key. */
async function api(path, params) {
  const key = sessionStorage.getItem(KEY_ITEM);
  if (!key) throw new ApiError(0, 'no_key', 'Enter an API key above first.');
  const url = new URL(path, document.baseURI);
  if (params) url.search = params.toString();
  let res;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' }, cache: 'no-store', credentials: 'omit', redirect: 'error' });
  } catch (e) {
    throw new ApiError(0, 'network', `The API did not answer (${e.message}).`);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.ok && body) return body;
  throw new ApiError(res.status, body?.error?.code ?? `http_${res.status}`, explain(res.status, body?.error ?? {}));
}

/** Run a load with its alert and busy state; the alert says what went wrong. */
async function guarded(alertNode, busyNode, fn) {
  alertNode.textContent = '';
  busyNode.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } catch (e) {
    alertNode.textContent = e instanceof ApiError ? e.message : `Something went wrong in the console: ${e.message}`;
    if (e instanceof ApiError && e.status === 401) keyChanged();
    return undefined;
  } finally {
    busyNode.removeAttribute('aria-busy');
  }
}

// --- the key ------------------------------------------------------------------------------------

function keyChanged() {
  const has = sessionStorage.getItem(KEY_ITEM) !== null;
  show($('forget-key'), has);
  $('key-status').textContent = has ? 'A key is set for this tab.' : 'No key set: enter one to load tickets and reports.';
}

$('key-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = $('api-key');
  const key = input.value.trim();
  if (!key) {
    $('key-status').textContent = 'Enter a key first.';
    input.focus();
    return;
  }
  sessionStorage.setItem(KEY_ITEM, key);
  input.value = '';
  keyChanged();
  loadTickets(false);
  if (state.reportShown) loadReport();
});

$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_ITEM);
  clear($('tickets').tBodies[0]);
  clear($('charts'));
  closeTicket(false);
  keyChanged();
  $('api-key').focus();
});

// --- tabs (WAI-ARIA tabs: arrow keys move between them) -----------------------------------------

const tabs = [$('tab-tickets'), $('tab-report')];
const state = { cursor: null, ticketId: null, eventsCursor: null, reportShown: false, charts: [] };

function selectTab(tab, focus) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    show($(t.getAttribute('aria-controls')), on);
  }
  if (focus) tab.focus();
  if (tab.id === 'tab-report' && !state.reportShown && sessionStorage.getItem(KEY_ITEM)) loadReport();
  if (tab.id === 'tab-report') resizeCharts();
}
for (const [i, t] of tabs.entries()) {
  t.addEventListener('click', () => selectTab(t, false));
  t.addEventListener('keydown', (ev) => {
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
    if (next === undefined) return;
    ev.preventDefault();
    selectTab(tabs[(next + tabs.length) % tabs.length], true);
  });
}

// --- tickets ------------------------------------------------------------------------------------

function filterParams() {
  const q = new URLSearchParams();
  for (const input of $('filters').querySelectorAll('input[name], select[name]')) {
    const v = input.value.trim();
    if (!v) continue;
    // datetime-local is the browser's local time; the API takes ISO 8601 UTC.
    q.set(input.name, input.type === 'datetime-local' ? new Date(v).toISOString() : v);
  }
  return q;
}

async function loadTickets(append) {
  const body = $('tickets').tBodies[0];
  await guarded($('tickets-error'), $('tickets'), async () => {
    const q = filterParams();
    if (append && state.cursor) q.set('cursor', state.cursor);
    const page = await api('v1/tickets', q);
    if (!append) clear(body);
    for (const t of page.tickets) body.append(ticketRow(t));
    state.cursor = page.nextCursor ?? null;
    show($('more-tickets'), state.cursor !== null);
    const n = body.rows.length;
    $('tickets-status').textContent = n ? `${n} ticket${n === 1 ? '' : 's'} shown${state.cursor ? '; more available' : ''}.` : 'No tickets match these filters.';
  });
}

function ticketRow(t) {
  const label = t.subject || t.customerAddress || t.id;
  return el(
    'tr',
    { 'data-ticket-id': t.id, 'data-channel': t.channel, 'aria-current': t.id === state.ticketId ? 'true' : null },
    el(
      'td',
      {},
      el('button', { type: 'button', class: 'link open-ticket', 'aria-label': `Open ticket ${label}`, onclick: () => openTicket(t.id) }, label),
      t.subject ? el('span', { class: 'sub' }, t.customerAddress) : null,
    ),
    el('td', {}, t.channel),
    el('td', {}, t.status),
    el('td', { class: 'wide-only' }, t.priority),
    el('td', {}, time(t.lastMessageAt)),
    el('td', { class: 'wide-only' }, time(t.slaDueAt)),
  );
}

$('filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  loadTickets(false);
});
$('more-tickets').addEventListener('click', () => loadTickets(true));

// --- one ticket ---------------------------------------------------------------------------------

async function openTicket(id) {
  state.ticketId = id;
  state.eventsCursor = null;
  for (const row of $('tickets').tBodies[0].rows) row.setAttribute('aria-current', String(row.dataset.ticketId === id));
  $('tickets-layout').classList.add('with-ticket');
  show($('ticket-view'), true);
  $('ticket-title').textContent = `Ticket ${id}`;
  $('ticket-view').dataset.ticketId = id;
  $('ticket-view').dataset.loaded = 'false';
  for (const n of [$('ticket-facts'), $('sla').tBodies[0], $('measures').tBodies[0], $('thread'), $('events').tBodies[0]]) clear(n);
  $('ticket-title').focus();
  await guarded($('ticket-error'), $('ticket-view'), async () => {
    const [detail, events] = await Promise.all([api(`v1/tickets/${encodeURIComponent(id)}`), api(`v1/tickets/${encodeURIComponent(id)}/events`, new URLSearchParams({ limit: '100' }))]);
    if (state.ticketId !== id) return;
    renderTicket(detail.ticket);
    renderThread(detail.messages);
    renderEvents(events, false);
    $('ticket-view').dataset.loaded = 'true';
  });
}

function closeTicket(focusList = true) {
  state.ticketId = null;
  show($('ticket-view'), false);
  $('tickets-layout').classList.remove('with-ticket');
  for (const row of $('tickets').tBodies[0].rows) row.removeAttribute('aria-current');
  if (focusList) $('show-tickets').focus();
}

$('ticket-refresh').addEventListener('click', () => state.ticketId && openTicket(state.ticketId));
$('ticket-close').addEventListener('click', () => closeTicket());
$('more-events').addEventListener('click', async () => {
  const id = state.ticketId;
  await guarded($('ticket-error'), $('events'), async () => {
    const page = await api(`v1/tickets/${encodeURIComponent(id)}/events`, new URLSearchParams({ limit: '100', cursor: state.eventsCursor }));
    if (state.ticketId === id) renderEvents(page, true);
  });
});

function renderTicket(t) {
  $('ticket-title').textContent = `Ticket: ${t.subject || t.customerAddress}`;
  const facts = [
    ['Id', t.id],
    ['Status', t.status],
    ['Priority', t.priority],
    ['Channel', `${t.channel} (${t.provider})`],
    ['Customer', t.customerAddress],
    ['Our address', t.inboxAddress],
    ['Contact', t.contactId],
    ['Assignee', t.assignee ?? 'nobody'],
    ['Tags', t.tags?.length ? t.tags.join(', ') : 'none'],
    ['Created', time(t.createdAt)],
    ['Last message', time(t.lastMessageAt)],
    ['Messages', String(t.messageCount)],
    ['Reopened', `${t.reopenCount} time${t.reopenCount === 1 ? '' : 's'}`],
  ];
  $('ticket-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));

  const sla = t.sla ?? { policy: null, calendar: null, targets: {} };
  $('sla-policy').textContent = `Policy: ${sla.policy ?? 'none'}; business calendar: ${sla.calendar ?? 'none'}.`;
  const names = { firstReply: 'First reply', nextReply: 'Next reply', resolution: 'Resolution' };
  $('sla').tBodies[0].replaceChildren(
    ...Object.entries(names).map(([k, name]) => {
      const target = sla.targets?.[k] ?? { status: 'none' };
      return el('tr', { 'data-target': k }, el('th', { scope: 'row' }, name), el('td', {}, target.status), el('td', {}, time(target.dueAt)), el('td', {}, time(target.fulfilledAt)), el('td', {}, time(target.breachedAt)));
    }),
  );

  const m = t.metrics ?? {};
  const rows = [
    ['First reply', m.firstReply],
    ...(m.nextReplies ?? []).map((r, i) => [`Next reply ${i + 1}`, r]),
    ['Requester wait', m.requesterWait],
    ['Agent wait', m.agentWait],
    ['First resolution', m.firstResolution],
    ['Full resolution', m.fullResolution],
  ];
  $('measures').tBodies[0].replaceChildren(
    ...rows.map(([name, v]) => el('tr', {}, el('th', { scope: 'row' }, name), el('td', { class: 'num' }, v ? duration(v.calendar) : 'not yet'), el('td', { class: 'num' }, v ? duration(v.business) : '—'))),
    el('tr', {}, el('th', { scope: 'row' }, 'Reopens'), el('td', { class: 'num' }, String(m.reopens ?? 0)), el('td', { class: 'num' }, '')),
  );
}

function who(m) {
  if (m.direction === 'inbound') return `Customer ${m.from ?? ''}`.trim();
  if (m.direction === 'note') return `Internal note by ${m.author ?? 'an agent'}`;
  if (m.automated) return 'Automated message';
  return `Reply by ${m.author ?? 'an agent'}`;
}

function renderThread(messages) {
  $('thread').replaceChildren(
    ...messages.map((m) => {
      const kind = m.direction === 'outbound' && m.automated ? 'automated' : m.direction;
      const delivery =
        m.direction === 'outbound'
          ? el('span', { class: m.deliveryStatus === 'failed' || m.deliveryStatus === 'not_sent' ? 'delivery delivery-failed' : 'delivery' }, `Delivery: ${m.deliveryStatus ?? 'unknown'}${m.deliveryError ? ` (${m.deliveryError})` : ''}`)
          : null;
      const attachments = (m.attachments ?? []).map((a) => {
        const href = a.downloadUrl ? safeUrl(a.downloadUrl) : null;
        const label = `${a.name ?? 'attachment'} (${a.contentType ?? 'unknown type'}${a.size ? `, ${bytes(a.size)}` : ''})`;
        return el('li', {}, href ? el('a', { href, rel: 'noopener noreferrer', target: '_blank' }, label) : label);
      });
      const fullText = m.fullTextUrl ? safeUrl(m.fullTextUrl) : null;
      return el(
        'li',
        { class: `msg ${kind}`, 'data-message-id': m.id, 'data-direction': m.direction, 'data-automated': String(Boolean(m.automated)) },
        el('div', { class: 'meta' }, el('span', { class: 'who' }, who(m)), time(m.createdAt), delivery, m.editedAt ? el('span', {}, 'edited') : null, m.deleted ? el('span', { class: 'warn' }, 'deleted by the customer') : null),
        m.email?.subject ? el('p', { class: 'meta' }, `Subject: ${m.email.subject}`) : null,
        m.email?.senderAuthFailed ? el('p', { class: 'warn' }, 'Sender authentication failed (SPF/DKIM/DMARC).') : null,
        el('p', { class: 'text' }, m.text ?? ''),
        fullText ? el('p', {}, el('a', { href: fullText, rel: 'noopener noreferrer', target: '_blank' }, 'Full text (truncated above)')) : null,
        attachments.length ? el('ul', { class: 'attachments', 'aria-label': 'Attachments' }, attachments) : null,
      );
    }),
  );
}

function eventDetails(e) {
  const { id: _id, ticketId: _t, type: _ty, at: _at, actor: _a, ...rest } = e;
  return Object.entries(rest)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

function renderEvents(page, append) {
  const body = $('events').tBodies[0];
  if (!append) clear(body);
  for (const e of page.events) body.append(el('tr', { 'data-event-type': e.type }, el('td', {}, time(e.at)), el('td', {}, e.type), el('td', {}, e.actor), el('td', {}, eventDetails(e))));
  state.eventsCursor = page.nextCursor ?? null;
  show($('more-events'), state.eventsCursor !== null);
}

// --- the response-time report -------------------------------------------------------------------

const DAY_MS = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
$('report-to').value = isoDay(Date.now());
$('report-from').value = isoDay(Date.now() - 6 * DAY_MS);

$('report-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  loadReport();
});

async function loadReport() {
  state.reportShown = true;
  const charts = $('charts');
  await guarded($('report-error'), charts, async () => {
    destroyCharts();
    $('report-status').textContent = 'Loading the report…';
    const q = new URLSearchParams({ from: $('report-from').value, to: $('report-to').value, groupBy: 'channel' });
    let report;
    try {
      report = await api('v1/reports/response-times', q);
    } catch (e) {
      $('report-status').textContent = '';
      if (e instanceof ApiError && e.status === 403) throw new ApiError(403, e.code, `${e.message} Reports need a key with the reports:read scope.`);
      throw e;
    }
    drawReport(report);
  });
}

/** The four charts, each with its figures in a table under it (the chart's text alternative). */
function drawReport(report) {
  const groups = report.groups;
  const labels = groups.map((g) => g.channel);
  $('report-status').textContent = groups.length
    ? `Report for ${report.from} to ${report.to} (UTC), ${groups.length} channel${groups.length === 1 ? '' : 's'} with samples.`
    : `No samples from ${report.from} to ${report.to}: replies the provider accepted, resolutions and SLA verdicts count.`;
  if (!groups.length) return;
  const pick = (f) => groups.map((g) => f(g) ?? null);
  const C = { p50: '#1d4ed8', p90: '#c2410c', first: '#1d4ed8', next: '#7e22ce', res: '#15803d' };
  chart({ id: 'first-reply', title: 'First reply time per channel', labels, format: duration, axis: shortDuration, series: [
    { label: 'p50', color: C.p50, values: pick((g) => g.firstReply.p50) },
    { label: 'p90', color: C.p90, values: pick((g) => g.firstReply.p90) },
  ] });
  chart({ id: 'resolution', title: 'Resolution time per channel (first resolution)', labels, format: duration, axis: shortDuration, series: [
    { label: 'p50', color: C.p50, values: pick((g) => g.firstResolution.p50) },
    { label: 'p90', color: C.p90, values: pick((g) => g.firstResolution.p90) },
  ] });
  chart({ id: 'sla', title: 'SLA attainment per channel (share of verdicts met)', labels, format: percent, axis: (v) => `${Math.round(v * 100)} %`, max: 1, series: [
    { label: 'First reply', color: C.first, values: pick((g) => g.sla.firstReply.rate) },
    { label: 'Next reply', color: C.next, values: pick((g) => g.sla.nextReply.rate) },
    { label: 'Resolution', color: C.res, values: pick((g) => g.sla.resolution.rate) },
  ] });
  chart({ id: 'volume', title: 'Volume per channel (first replies and resolutions)', labels, format: String, axis: String, integer: true, series: [
    { label: 'First replies', color: C.first, values: pick((g) => g.firstReply.count) },
    { label: 'Resolutions', color: C.res, values: pick((g) => g.firstResolution.count) },
  ] });
}

function destroyCharts() {
  for (const c of state.charts) c.plot.destroy();
  state.charts = [];
  clear($('charts'));
}

function chart({ id, title, labels, series, format, axis, max, integer }) {
  const headingId = `chart-${id}-title`;
  const plotNode = el('div', { class: 'plot', role: 'img', 'aria-label': `${title}: bar chart; the figures are in the table below it.` });
  const table = el(
    'table',
    { class: 'figures', 'aria-labelledby': headingId },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Channel'), series.map((s) => el('th', { scope: 'col', class: 'num' }, s.label)))),
    el('tbody', {}, labels.map((label, i) => el('tr', { 'data-channel': label }, el('th', { scope: 'row' }, label), series.map((s) => el('td', { class: 'num', 'data-series': s.label, 'data-value': s.values[i] ?? '' }, s.values[i] === null ? '—' : format(s.values[i])))))),
  );
  const figure = el('figure', { class: 'chart', id: `chart-${id}`, 'data-chart': id }, el('figcaption', {}, el('h3', { id: headingId }, title)), plotNode, table);
  $('charts').append(figure);

  // Grouped bars: series k of n sits at x - 0.4 + k·0.8/n, 0.8/n wide (uPlot's bar paths with explicit x0/size).
  const xs = labels.map((_, i) => i);
  const width = 0.8 / series.length;
  const bars = (k) =>
    uPlot.paths.bars({
      disp: { x0: { unit: 1, values: () => xs.map((x) => x - 0.4 + k * width) }, size: { unit: 1, values: () => xs.map(() => width * 0.92) } },
    });
  const axisStyle = { stroke: '#1b1f24', grid: { stroke: '#d5d9e0', width: 1 }, ticks: { stroke: '#6b7280', width: 1 } };
  const opts = {
    width: Math.max(280, plotNode.clientWidth || 480),
    height: 240,
    legend: { live: false },
    cursor: { show: false },
    select: { show: false },
    scales: { x: { time: false, range: () => [-0.5, labels.length - 0.5] }, y: { range: (_u, _min, dataMax) => [0, max ?? (dataMax > 0 ? dataMax * 1.1 : 1)] } },
    axes: [
      { ...axisStyle, grid: { show: false }, splits: () => xs, values: (_u, splits) => splits.map((i) => labels[i] ?? '') },
      { ...axisStyle, size: 70, values: (_u, splits) => splits.map(axis), ...(integer ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6] } : {}) },
    ],
    series: [{ label: 'Channel' }, ...series.map((s, k) => ({ label: s.label, stroke: s.color, fill: s.color, width: 0, paths: bars(k), points: { show: false } }))],
  };
  const plot = new uPlot(opts, [xs, ...series.map((s) => s.values)], plotNode);
  // What the chart holds, read back from the chart itself (the browser test compares it with the API).
  plotNode.dataset.values = JSON.stringify(plot.data.slice(1));
  plotNode.dataset.labels = JSON.stringify(labels);
  state.charts.push({ plot, node: plotNode });
}

function resizeCharts() {
  for (const c of state.charts) if (c.node.clientWidth) c.plot.setSize({ width: c.node.clientWidth, height: 240 });
}
let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(resizeCharts, 150);
});

// --- start --------------------------------------------------------------------------------------

keyChanged();
if (sessionStorage.getItem(KEY_ITEM)) loadTickets(false);
document.documentElement.dataset.ready = 'true';
