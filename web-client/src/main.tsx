import './i18n/index.ts';
import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';

import { App } from './App.tsx';

// The shared schemas run without generating code, which the page's security policy forbids.
z.config({ jitless: true });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
