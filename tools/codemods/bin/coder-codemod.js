#!/usr/bin/env node
// Runs the built CLI (pnpm build). Kept tiny: all logic lives in src/cli.ts.
import process from 'node:process';

import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv);
