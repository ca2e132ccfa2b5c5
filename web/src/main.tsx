import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from './app';
import { ApiError } from './api/client';
import { adoptTokenFromFragment } from './lib/session';
import './styles.css';

adoptTokenFromFragment();

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // An endpoint that does not exist or a 4xx will not start working on a retry.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
