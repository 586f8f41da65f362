// The failure banner of an execution page: which task failed first, where it is written, and why.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { get } from './api.js';

// The first task to fail, by creation: later failures are often consequences of it.
export function firstFailed(tasks) {
  const failed = (tasks || []).filter((t) => t.state === 'ERROR');
  failed.sort((a, b) => (a.created_at || '').localeCompare(b.created_at || ''));
  return { first: failed[0] || null, count: failed.length };
}

// Task name -> line of its key in the YAML, read once from the execution's graph.
function useTaskLines(executionId, wanted) {
  const [lines, setLines] = useState(null);
  useEffect(() => {
    if (!wanted || lines) return;
    get('/executions/' + encodeURIComponent(executionId) + '/graph').then(
      (graph) => setLines(Object.fromEntries(graph.nodes.filter((n) => n.kind !== 'command').map((n) => [n.name, n.line]))),
      () => setLines({}));
  }, [executionId, wanted]);
  return lines || {};
}

export function FailureBanner({ execution, tasks }) {
  const { first, count } = firstFailed(tasks);
  const lines = useTaskLines(execution.id, Boolean(first));
  if (!first) {
    if (execution.state !== 'ERROR') return null;
    return html`<div class="failure-banner" role="alert">Execution failed: <span class="reason">${execution.state_info || 'no reason given'}</span></div>`;
  }
  const line = lines[first.name];
  const others = count > 1 ? html` <span class="more-failed">(${count - 1} more failed)</span>` : null;
  return html`<div class="failure-banner" role="alert">
    Task <b class="task">${first.name}</b> failed${line ? html` at <span class="line">line ${line}</span>` : null}:
    <span class="reason">${first.state_info || 'no reason given'}</span>${others}</div>`;
}
