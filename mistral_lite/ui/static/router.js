// Hash routes: #/<panel>[/<id>][?query]. The hash keeps the server's job to one static page.
import { useEffect, useState } from 'preact/hooks';

export function current() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { panel: parts[0] || 'executions', id: parts[1] || null, query: new URLSearchParams(query) };
}

export function href(panel, id, query) {
  let h = '#/' + panel + (id ? '/' + encodeURIComponent(id) : '');
  const q = query && new URLSearchParams(query).toString();
  return q ? h + '?' + q : h;
}

export const go = (panel, id, query) => { location.hash = href(panel, id, query); };

export function useRoute() {
  const [route, setRoute] = useState(current());
  useEffect(() => {
    const update = () => setRoute(current());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
