// Workflow executions: the filtered list, and one execution with its tasks and the state changes it allows.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { call, get, pretty } from './api.js';
import { href, go } from './router.js';
import { PagedTable, ErrorBox, State } from './list.js';
import { FailureBanner } from './banner.js';

const STATES = ['', 'IDLE', 'RUNNING', 'PAUSED', 'SUCCESS', 'ERROR', 'CANCELLED'];
const FINAL = ['SUCCESS', 'ERROR', 'CANCELLED'];

const SORTABLE = ['created_at', 'updated_at', 'workflow_name', 'state', 'id'];
// "Created within": presets measured back from now; the API compares stored UTC times as text.
const WITHIN = [['', 'any time'], ['3600', 'last hour'], ['86400', 'last day'], ['604800', 'last week']];

// '2026-12-02 10:31:00', the API's own timestamp shape, in UTC.
export const apiTime = (date) => date.toISOString().slice(0, 19).replace('T', ' ');

// The API takes one filter per field, so a list is bounded on one side: created after, or before.
function createdFilter(query) {
  if (query.get('within')) return 'gte:' + apiTime(new Date(Date.now() - 1000 * Number(query.get('within'))));
  if (query.get('after')) return 'gte:' + query.get('after');
  if (query.get('before')) return 'lte:' + query.get('before');
  return null;
}

export function sortOf(query) {
  const key = SORTABLE.includes(query.get('sort')) ? query.get('sort') : 'created_at';
  return { key, dir: query.get('dir') === 'asc' ? 'asc' : 'desc' };
}

export function executionsPath(query) {
  const sort = sortOf(query);
  const params = new URLSearchParams({ limit: query.get('limit') || '50', sort_keys: sort.key, sort_dirs: sort.dir });
  if (query.get('state')) params.set('state', query.get('state'));
  if (query.get('workflow')) params.set('workflow_name', query.get('workflow'));
  const created = createdFilter(query);
  if (created) params.set('created_at', created);
  return '/executions?' + params;
}

// A click on the sorted column flips its direction; on another column sorts by it, newest/largest first.
export function sortedBy(query, key) {
  const current = sortOf(query);
  const next = new URLSearchParams(query);
  next.set('sort', key);
  next.set('dir', current.key === key && current.dir === 'desc' ? 'asc' : 'desc');
  return next;
}

const TIME_KEYS = ['within', 'after', 'before'];

export function ExecutionList({ query }) {
  const [id, setId] = useState('');
  const filter = (key, value) => {
    const next = new URLSearchParams(query);
    if (TIME_KEYS.includes(key)) TIME_KEYS.forEach((k) => next.delete(k));
    if (value) next.set(key, value); else next.delete(key);
    go('executions', null, next);
  };
  const sort = sortOf(query);
  return html`<h2>Executions</h2>
    <div class="toolbar">
      <label>State <select name="state" value=${query.get('state') || ''}
        onChange=${(e) => filter('state', e.currentTarget.value)}>
        ${STATES.map((s) => html`<option value=${s}>${s || 'any'}</option>`)}</select></label>
      <label>Workflow <input name="workflow" value=${query.get('workflow') || ''}
        onChange=${(e) => filter('workflow', e.currentTarget.value.trim())} /></label>
      <label>Created <select name="within" value=${query.get('within') || ''}
        onChange=${(e) => filter('within', e.currentTarget.value)}>
        ${WITHIN.map(([v, t]) => html`<option value=${v}>${t}</option>`)}</select></label>
      <label>after <input name="after" placeholder="YYYY-MM-DD HH:MM:SS UTC" value=${query.get('after') || ''}
        onChange=${(e) => filter('after', e.currentTarget.value.trim())} /></label>
      <label>before <input name="before" placeholder="YYYY-MM-DD HH:MM:SS UTC" value=${query.get('before') || ''}
        onChange=${(e) => filter('before', e.currentTarget.value.trim())} /></label>
      <form onSubmit=${(e) => { e.preventDefault(); if (id.trim()) go('executions', id.trim()); }}>
        <input name="id" placeholder="execution id" value=${id} onInput=${(e) => setId(e.currentTarget.value)} />
        <button type="submit">Open</button></form>
    </div>
    <${PagedTable} path=${executionsPath(query)} field="executions" sort=${sort}
      onSort=${(key) => go('executions', null, sortedBy(query, key))} columns=${[
      { title: 'ID', sort: 'id', cell: (x) => html`<a href=${href('executions', x.id)}>${x.id}</a>` },
      { title: 'Workflow', sort: 'workflow_name', cell: (x) => x.workflow_name },
      { title: 'State', sort: 'state', cell: (x) => html`<${State} value=${x.state} />` },
      { title: 'Created', sort: 'created_at', cell: (x) => x.created_at },
      { title: 'Updated', sort: 'updated_at', cell: (x) => x.updated_at },
      { title: 'Description', cell: (x) => x.description },
    ]} />`;
}

// Refreshes while the execution can still change. (A live stream from the server replaces this later.)
function usePolled(path, stop) {
  const [state, setState] = useState({ data: null, error: null, tick: 0 });
  const reload = () => get(path).then((data) => setState((s) => ({ data, error: null, tick: s.tick + 1 })),
                                      (error) => setState((s) => ({ ...s, error, tick: s.tick + 1 })));
  useEffect(() => { setState({ data: null, error: null, tick: 0 }); reload(); }, [path]);
  useEffect(() => {
    if (state.data && stop(state.data)) return undefined;
    const timer = setTimeout(reload, 1000);
    return () => clearTimeout(timer);
  }, [state.tick]);
  return { ...state, reload };
}

function Description({ execution, onSaved }) {
  const [text, setText] = useState(execution.description || '');
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const save = (e) => {
    e.preventDefault();
    call('PUT', '/executions/' + execution.id, { description: text })
      .then(() => { setError(null); setSaved(true); onSaved(); }, setError);
  };
  return html`<form class="description" onSubmit=${save}>
    <input name="description" value=${text} onInput=${(e) => { setSaved(false); setText(e.currentTarget.value); }} />
    <button type="submit">Save description</button>${saved ? html` <span class="saved">saved</span>` : null}
    <${ErrorBox} error=${error} /></form>`;
}

export function ExecutionPage({ id }) {
  const path = '/executions/' + encodeURIComponent(id);
  const { data: ex, error, reload } = usePolled(path, (x) => FINAL.includes(x.state));
  const tasks = usePolled(path + '/tasks', () => ex && FINAL.includes(ex.state));
  const [actionError, setActionError] = useState(null);
  // The tasks page fetched just before the execution ended may be stale: read it once more at the end.
  const final = Boolean(ex && FINAL.includes(ex.state));
  useEffect(() => { if (final) tasks.reload(); }, [final]);
  if (!ex) return error ? html`<${ErrorBox} error=${error} />` : html`<p>Loading…</p>`;
  const setExecState = (state) => call('PUT', path, { state }).then(() => { setActionError(null); reload(); tasks.reload(); },
                                                                  setActionError);
  const remove = () => confirm('Delete execution ' + ex.id + '?') &&
    call('DELETE', path).then(() => go('executions'), setActionError);
  const running = ex.state === 'RUNNING';
  return html`<h2>Execution <span class="id">${ex.id}</span></h2>
    <div class="toolbar">
      <${State} value=${ex.state} />
      <button name="pause" disabled=${!running} onClick=${() => setExecState('PAUSED')}>Pause</button>
      <button name="resume" disabled=${ex.state !== 'PAUSED'} onClick=${() => setExecState('RUNNING')}>Resume</button>
      <button name="cancel" disabled=${FINAL.includes(ex.state)} onClick=${() => setExecState('CANCELLED')}>Cancel</button>
      <button name="delete" onClick=${remove}>Delete</button>
    </div>
    <${ErrorBox} error=${actionError} />
    <${FailureBanner} execution=${ex} tasks=${(tasks.data && tasks.data.tasks) || []} />
    <dl class="fields">
      <dt>Workflow</dt><dd><a href=${href('workflows', ex.workflow_id)}>${ex.workflow_name}</a></dd>
      <dt>Created</dt><dd>${ex.created_at}</dd><dt>Updated</dt><dd>${ex.updated_at || '—'}</dd>
      <dt>State info</dt><dd class="state-info">${ex.state_info || '—'}</dd>
      <dt>Description</dt><dd><${Description} key=${ex.id} execution=${ex} onSaved=${reload} /></dd>
    </dl>
    <h3>Tasks</h3>
    <table data-collection="tasks"><thead><tr><th>Name</th><th>State</th><th>Started</th><th>Finished</th><th>State info</th></tr></thead>
      <tbody>${((tasks.data && tasks.data.tasks) || []).map((t) => html`<tr data-id=${t.id}>
        <td><a href=${href('tasks', t.id)}>${t.name}</a></td><td><${State} value=${t.state} /></td>
        <td>${t.started_at}</td><td>${t.finished_at}</td><td>${t.state_info}</td></tr>`)}</tbody></table>
    <h3>Input</h3><pre class="input">${pretty(ex.input)}</pre>
    <h3>Output</h3><pre class="output">${pretty(ex.output)}</pre>`;
}
