// Worker entry point for the `report` queue: `node dist/workers/report.js` (same as `edocwatch worker --queues report`).
import { workerMain } from '../src/queue/run-workers.js';

workerMain(['report']);
