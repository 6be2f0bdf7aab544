#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader (compiled once, then cached).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
