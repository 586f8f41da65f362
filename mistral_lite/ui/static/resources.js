// The other collections: tasks, action executions, workbooks, actions, environments, cron and event triggers.
import { html } from './html.js';
import { pretty } from './api.js';
import { href } from './router.js';
import { PagedTable, useLoad, ErrorBox, State } from './list.js';

const link = (panel, id, text) => html`<a href=${href(panel, id)}>${text}</a>`;

// One list panel per collection: [title, API path, field, columns].
export const LISTS = {
  tasks: ['Tasks', '/tasks?limit=50&sort_keys=created_at&sort_dirs=desc', 'tasks', [
    ['Name', (t) => link('tasks', t.id, t.name)], ['State', (t) => html`<${State} value=${t.state} />`],
    ['Workflow', (t) => t.workflow_name], ['Execution', (t) => link('executions', t.workflow_execution_id, t.workflow_execution_id)],
    ['Created', (t) => t.created_at]]],
  action_executions: ['Action executions', '/action_executions?limit=50&sort_keys=created_at&sort_dirs=desc',
    'action_executions', [['Action', (a) => a.name], ['State', (a) => html`<${State} value=${a.state} />`],
      ['Task', (a) => a.task_execution_id ? link('tasks', a.task_execution_id, a.task_name) : '—'],
      ['Accepted', (a) => String(a.accepted)], ['Created', (a) => a.created_at]]],
  workbooks: ['Workbooks', '/workbooks?limit=50', 'workbooks', [
    ['Name', (w) => link('workbooks', w.name, w.name)], ['Namespace', (w) => w.namespace],
    ['Tags', (w) => (w.tags || []).join(', ')], ['Created', (w) => w.created_at]]],
  actions: ['Actions', '/actions?limit=100', 'actions', [
    ['Name', (a) => link('actions', a.name, a.name)], ['Input', (a) => a.input], ['System', (a) => String(a.is_system)],
    ['Description', (a) => a.description]]],
  environments: ['Environments', '/environments?limit=50', 'environments', [
    ['Name', (e) => e.name], ['Description', (e) => e.description], ['Variables', (e) => e.variables],
    ['Scope', (e) => e.scope]]],
  cron_triggers: ['Cron triggers', '/cron_triggers?limit=50', 'cron_triggers', [
    ['Name', (c) => c.name], ['Workflow', (c) => c.workflow_name], ['Pattern', (c) => c.pattern],
    ['Next run', (c) => c.next_execution_time], ['Remaining', (c) => c.remaining_executions ?? '∞']]],
  event_triggers: ['Event triggers', '/event_triggers?limit=50', 'event_triggers', [
    ['Name', (e) => e.name], ['Workflow', (e) => link('workflows', e.workflow_id, e.workflow_id)],
    ['Exchange', (e) => e.exchange], ['Topic', (e) => e.topic], ['Event', (e) => e.event]]],
};

// A panel's columns in PagedTable's shape.
export const tableColumns = (panel) => LISTS[panel][3].map(([title, cell]) => ({ title, cell }));

export function ListPanel({ panel }) {
  const [title, path, field] = LISTS[panel];
  return html`<h2>${title}</h2>
    <${PagedTable} path=${path} field=${field} columns=${tableColumns(panel)} />`;
}

function Loaded({ path, children }) {
  const { data, error } = useLoad(path);
  if (error) return html`<${ErrorBox} error=${error} />`;
  return data ? children(data) : html`<p>Loading…</p>`;
}

export const DefinitionPage = ({ panel, id }) => html`<${Loaded} path=${`/${panel}/${encodeURIComponent(id)}`}>
  ${(item) => html`<h2>${item.name}</h2><pre class="definition">${item.definition}</pre>`}<//>`;

export const TaskPage = ({ id }) => html`<${Loaded} path=${'/tasks/' + encodeURIComponent(id)}>
  ${(t) => html`<h2>Task ${t.name}</h2>
    <dl class="fields"><dt>State</dt><dd><${State} value=${t.state} /></dd>
      <dt>Execution</dt><dd>${link('executions', t.workflow_execution_id, t.workflow_execution_id)}</dd>
      <dt>State info</dt><dd>${t.state_info || '—'}</dd></dl>
    <h3>Published</h3><pre>${pretty(t.published)}</pre><h3>Result</h3><pre class="result">${pretty(t.result)}</pre>
    <h3>Action executions</h3>
    <${PagedTable} path=${`/tasks/${t.id}/action_executions`} field="action_executions" columns=${[
      { title: 'Action', cell: (a) => a.name }, { title: 'State', cell: (a) => html`<${State} value=${a.state} />` },
      { title: 'Created', cell: (a) => a.created_at }]} />`}<//>`;
