#!/usr/bin/env node
// The `softmix` command. The sources are TypeScript; tsx compiles them on the fly so
// that `npx softmix` works straight from a clone, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/cli.ts');
