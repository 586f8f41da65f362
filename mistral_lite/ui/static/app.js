// The app shell: navigation and the hash route -> panel table.
import { render } from 'preact';
import { html } from './html.js';
import { useRoute, href } from './router.js';
import { WorkflowList, WorkflowPage } from './workflows.js';
import { ExecutionList, ExecutionPage } from './executions.js';
import { ListPanel, DefinitionPage, TaskPage, LISTS } from './resources.js';
import { CronPanel } from './cron.js';

const NAV = [['executions', 'Executions'], ['workflows', 'Workflows'], ['workbooks', 'Workbooks'],
  ['actions', 'Actions'], ['tasks', 'Tasks'], ['action_executions', 'Action executions'],
  ['environments', 'Environments'], ['cron_triggers', 'Cron triggers'], ['event_triggers', 'Event triggers']];

function Panel({ route }) {
  const { panel, id, query } = route;
  if (panel === 'executions') return id ? html`<${ExecutionPage} key=${id} id=${id} />` : html`<${ExecutionList} query=${query} />`;
  if (panel === 'workflows') return id ? html`<${WorkflowPage} key=${id} id=${id} />` : html`<${WorkflowList} />`;
  if (panel === 'tasks' && id) return html`<${TaskPage} key=${id} id=${id} />`;
  if ((panel === 'workbooks' || panel === 'actions') && id) return html`<${DefinitionPage} key=${id} panel=${panel} id=${id} />`;
  if (panel === 'cron_triggers') return html`<${CronPanel} />`;
  if (LISTS[panel]) return html`<${ListPanel} key=${panel} panel=${panel} />`;
  return html`<p class="error">No page ${panel}.</p>`;
}

function App() {
  const route = useRoute();
  return html`<div class="shell">
    <nav><h1>mistral-lite</h1>
      ${NAV.map(([panel, title]) => html`<a href=${href(panel)} class=${route.panel === panel ? 'active' : ''}>${title}</a>`)}
    </nav>
    <main data-panel=${route.panel}><${Panel} route=${route} /></main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
