// Worker entry point for the `sync` queue: `node dist/workers/sync.js` (same as `edocwatch worker --queues sync`).
import { workerMain } from '../src/queue/run-workers.js';

workerMain(['sync']);
