// One paged table for every collection: rows from the API's pages, "More" follows its `next` marker link.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { get, nextPath } from './api.js';

export function useLoad(path) {
  const [state, setState] = useState({ data: null, error: null });
  useEffect(() => {
    let live = true;
    setState({ data: null, error: null });
    if (path) get(path).then((data) => live && setState({ data, error: null }),
                             (error) => live && setState({ data: null, error }));
    return () => { live = false; };
  }, [path]);
  return state;
}

export const ErrorBox = ({ error }) => error ? html`<div class="error" role="alert">${error.message}</div>` : null;

export const State = ({ value }) => html`<span class=${'state state-' + value}>${value}</span>`;

// columns: [{ title, cell: (row) => vnode or text, sort?: API sort key }]
// sort: { key, dir } shown on the headers; onSort(key) is called when a sortable header is clicked.
export function PagedTable({ path, field, columns, empty = 'Nothing here yet.', sort = null, onSort = null }) {
  const [rows, setRows] = useState([]);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);

  const load = (url, append) => {
    setLoading(true);
    get(url).then((page) => {
      setRows((old) => (append ? old.concat(page[field]) : page[field]));
      setNext(nextPath(page.next));
      setError(null);
    }, setError).finally(() => setLoading(false));
  };
  useEffect(() => { setRows([]); load(path, false); }, [path]);

  return html`
    <${ErrorBox} error=${error} />
    <table data-collection=${field}>
      <thead><tr>${columns.map((c) => html`<${Header} column=${c} sort=${sort} onSort=${onSort} />`)}</tr></thead>
      <tbody>${rows.map((row) => html`<tr data-id=${row.id}>${columns.map((c) => html`<td>${c.cell(row)}</td>`)}</tr>`)}</tbody>
    </table>
    ${!loading && rows.length === 0 && !error ? html`<p class="empty">${empty}</p>` : null}
    ${next ? html`<p><button class="more" disabled=${loading} onClick=${() => load(next, true)}>More</button></p>` : null}`;
}

// A sortable header is a button, so the keyboard reaches it; aria-sort tells which way the rows go.
function Header({ column, sort, onSort }) {
  if (!column.sort || !onSort) return html`<th>${column.title}</th>`;
  const active = sort && sort.key === column.sort;
  const dir = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none';
  return html`<th aria-sort=${dir} data-sort=${column.sort}>
    <button class="sort" onClick=${() => onSort(column.sort)}>${column.title}${active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</button></th>`;
}
