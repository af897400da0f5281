#!/usr/bin/env node
// Runs the built CLI (pnpm build). Kept tiny: all logic lives in src/cli.ts.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv);
