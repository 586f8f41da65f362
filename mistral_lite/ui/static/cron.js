// Cron triggers: the list with next runs, a form that creates one, and a delete per row.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { call } from './api.js';
import { PagedTable, ErrorBox } from './list.js';
import { LISTS, tableColumns } from './resources.js';

// The optional fields, each with how its text becomes the API's value; empty ones are left out so the
// server's defaults apply.
const OPTIONAL = { pattern: String, first_execution_time: String, remaining_executions: Number,
  workflow_input: JSON.parse };

function triggerBody(form) {
  const body = { name: form.name.trim(), workflow_name: form.workflow_name.trim() };
  for (const [key, convert] of Object.entries(OPTIONAL)) {
    const text = form[key].trim();
    if (text) body[key] = convert(text);
  }
  return body;
}

const FIELDS = [['name', 'Name'], ['workflow_name', 'Workflow'], ['pattern', 'Pattern (e.g. */5 * * * *)'],
  ['workflow_input', 'Input (JSON object)'], ['first_execution_time', 'First run (YYYY-MM-DD HH:MM, UTC)'],
  ['remaining_executions', 'Remaining executions']];
const EMPTY = Object.fromEntries(FIELDS.map(([key]) => [key, '']));

function CreateForm({ onCreated }) {
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState(null);
  const submit = (e) => {
    e.preventDefault();
    let body;
    try { body = triggerBody(form); } catch (err) { setError(new Error('Input is not JSON: ' + err.message)); return; }
    call('POST', '/cron_triggers', body).then(() => { setError(null); setForm(EMPTY); onCreated(); }, setError);
  };
  return html`<form class="create-cron" onSubmit=${submit}>
    ${FIELDS.map(([key, label]) => html`<label>${label} <input name=${key} value=${form[key]}
      onInput=${(e) => setForm({ ...form, [key]: e.currentTarget.value })} /></label>`)}
    <button type="submit">Create cron trigger</button>
    <${ErrorBox} error=${error} /></form>`;
}

export function CronPanel() {
  const [version, setVersion] = useState(0);
  const [error, setError] = useState(null);
  const [, path, field] = LISTS.cron_triggers;
  const reload = () => setVersion((v) => v + 1);
  const remove = (name) => confirm('Delete cron trigger ' + name + '?') &&
    call('DELETE', '/cron_triggers/' + encodeURIComponent(name)).then(() => { setError(null); reload(); }, setError);
  const cells = tableColumns('cron_triggers').concat([
    { title: '', cell: (c) => html`<button name="delete" onClick=${() => remove(c.name)}>Delete</button>` }]);
  return html`<h2>Cron triggers</h2>
    <${CreateForm} onCreated=${reload} />
    <${ErrorBox} error=${error} />
    <${PagedTable} key=${version} path=${path} field=${field} columns=${cells} />`;
}
