// Worker entry point for the `analyze` queue: `node dist/workers/analyze.js` (same as `edocwatch worker --queues analyze`).
import { workerMain } from '../src/queue/run-workers.js';

workerMain(['analyze']);
