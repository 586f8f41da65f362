// Workflows: the list, and one workflow's definition, input signature and a start form built from it.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { call, parsed } from './api.js';
import { href, go } from './router.js';
import { PagedTable, useLoad, ErrorBox } from './list.js';

export function WorkflowList() {
  return html`<h2>Workflows</h2>
    <${PagedTable} path="/workflows?limit=50" field="workflows" columns=${[
      { title: 'Name', cell: (w) => html`<a href=${href('workflows', w.id)}>${w.name}</a>` },
      { title: 'Namespace', cell: (w) => w.namespace },
      { title: 'Input', cell: (w) => w.input },
      { title: 'Tags', cell: (w) => (w.tags || []).join(', ') },
      { title: 'Created', cell: (w) => w.created_at },
    ]} />`;
}

// The spec's input list: "name" (required) or {"name": default}.
export function signature(workflow) {
  const iface = parsed(workflow.interface) || {};
  return (iface.input || []).map((item) => typeof item === 'string'
    ? { name: item, required: true, fallback: undefined }
    : { name: Object.keys(item)[0], required: false, fallback: Object.values(item)[0] });
}

// A field holds JSON when it parses as JSON (numbers, lists, objects, true); anything else is a string.
function fieldValue(text) {
  try { return JSON.parse(text); } catch { return text; }
}

export function StartForm({ workflow }) {
  const params = signature(workflow);
  const [values, setValues] = useState(() => Object.fromEntries(
    params.map((p) => [p.name, p.required ? '' : JSON.stringify(p.fallback)])));
  const [error, setError] = useState(null);
  const submit = (event) => {
    event.preventDefault();
    const input = Object.fromEntries(params.filter((p) => p.required || values[p.name] !== JSON.stringify(p.fallback))
      .map((p) => [p.name, fieldValue(values[p.name])]));
    call('POST', '/executions', { workflow_id: workflow.id, input: JSON.stringify(input) })
      .then((ex) => go('executions', ex.id), setError);
  };
  return html`<form class="start" onSubmit=${submit}>
    <h3>Start</h3>
    ${params.map((p) => html`<label>${p.name}${p.required ? ' *' : ''}
      <input name=${p.name} value=${values[p.name]} required=${p.required}
        onInput=${(e) => setValues({ ...values, [p.name]: e.currentTarget.value })} /></label>`)}
    <${ErrorBox} error=${error} />
    <button type="submit">Start execution</button>
  </form>`;
}

export function WorkflowPage({ id }) {
  const { data: workflow, error } = useLoad('/workflows/' + encodeURIComponent(id));
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (!workflow) return html`<p>Loading…</p>`;
  return html`<h2>Workflow ${workflow.name}</h2>
    <dl class="fields">
      <dt>ID</dt><dd>${workflow.id}</dd><dt>Namespace</dt><dd>${workflow.namespace || '—'}</dd>
      <dt>Input</dt><dd class="signature">${workflow.input || '(none)'}</dd>
      <dt>Executions</dt><dd><a href=${href('executions', null, { workflow: workflow.name })}>list</a></dd>
    </dl>
    <${StartForm} workflow=${workflow} />
    <h3>Definition</h3>
    <pre class="definition">${workflow.definition}</pre>`;
}
