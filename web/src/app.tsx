import { Redirect, Route, Switch, useLocation } from 'wouter';
import { Layout } from './components/layout';
import { getToken } from './lib/session';
import { ContextsPage } from './pages/contexts';
import { InsightsPage } from './pages/insights';
import { JobPage } from './pages/job';
import { PipelinePage } from './pages/pipeline';
import { PipelinesPage } from './pages/pipelines';
import { ProjectSettingsPage } from './pages/project-settings';
import { ProjectsPage } from './pages/projects';
import { SignInPage } from './pages/sign-in';
import { UserTokensPage } from './pages/user-tokens';
import { UserSshKeysPage } from './pages/user-ssh-keys';
import { Empty } from './components/states';

const P = '/:vcs/:org/:repo';

export function App() {
  const [location] = useLocation();
  if (location === '/signin') return <SignInPage />;
  if (!getToken()) return <Redirect to={`/signin?next=${encodeURIComponent(location)}`} />;
  return (
    <Layout>
      <Switch>
        <Route path="/" component={ProjectsPage} />
        <Route path={`/pipelines${P}`} component={PipelinesPage} />
        <Route path={`/pipelines${P}/:number`} component={PipelinePage} />
        <Route path={`/pipelines${P}/:number/workflows/:workflowId`} component={PipelinePage} />
        <Route path={`/pipelines${P}/:number/workflows/:workflowId/jobs/:job`} component={JobPage} />
        <Route path={`/insights${P}`} component={InsightsPage} />
        <Route path={`/settings/project${P}`} component={ProjectSettingsPage} />
        <Route path="/settings/organization/:vcs/:org/contexts" component={ContextsPage} />
        <Route path="/settings/user/tokens" component={UserTokensPage} />
        <Route path="/settings/user/ssh-keys" component={UserSshKeysPage} />
        <Route>
          <Empty title="Page not found.">
            Nothing lives at <code>{location}</code>. Go to the <a href="/">projects</a>.
          </Empty>
        </Route>
      </Switch>
    </Layout>
  );
}
